// backprop_tutor's practice (anywidget front-end module): the step so far, the question, an answer
// box (Enter: check) and the marks. Judging happens in Python (the checker), which sends back the next
// question; typing stays in the box (JupyterLab leaves keys in an input alone).
function render({ model, el }) {
  const root = document.createElement("div");
  root.className = "bt-stepper bt-practice";
  root.dataset.btWidget = "practice";
  const title = document.createElement("div");
  title.className = "bt-title";
  const context = document.createElement("div");
  const question = document.createElement("div");
  question.className = "bt-question";
  const form = document.createElement("div");
  form.className = "bt-bar";
  const input = document.createElement("input");
  input.type = "text";
  input.size = 40;
  input.setAttribute("aria-label", "your value");
  const check = document.createElement("button");
  check.textContent = "Check";
  const reveal = document.createElement("button");
  reveal.textContent = "Reveal";
  reveal.title = "show the value (marked missing) and go on";
  form.append(input, check, reveal);
  const message = document.createElement("div");
  message.className = "bt-root";
  const summary = document.createElement("div");
  const marks = document.createElement("div");
  let n = 0;
  const send = (action) => {
    n += 1;
    model.set("submitted", { action, text: input.value, n });
    model.save_changes();
  };
  check.addEventListener("click", () => send("answer"));
  reveal.addEventListener("click", () => send("reveal"));
  input.addEventListener("keydown", (e) => {
    e.stopPropagation();
    if (e.key === "Enter") { e.preventDefault(); send("answer"); }
  });
  function draw() {
    title.textContent = model.get("title");
    context.innerHTML = model.get("context");
    question.textContent = model.get("question");
    message.textContent = model.get("message");
    summary.textContent = model.get("summary");
    marks.innerHTML = model.get("marks");
    const done = model.get("finished");
    input.disabled = check.disabled = reveal.disabled = done;
  }
  const names = ["title", "context", "question", "message", "summary", "marks", "finished"];
  const redraw = () => { draw(); };
  const onQuestion = () => { input.value = ""; };  // a new question: an unreadable answer keeps the old one
  for (const name of names) model.on(`change:${name}`, redraw);
  model.on("change:question", onQuestion);
  root.append(title, context, question, form, message, summary, marks);
  el.append(root);
  draw();
  return () => {
    for (const name of names) model.off(`change:${name}`, redraw);
    model.off("change:question", onQuestion);
  };
}
export default { render };
