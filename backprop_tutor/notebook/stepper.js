// backprop_tutor's stepper (anywidget front-end module). Every step's HTML arrives once in `steps`;
// stepping happens here, so it needs no kernel round trip. Keys work while the stepper has focus
// (click it or Tab to it); data-lm-suppress-shortcuts keeps JupyterLab's command-mode keys away, and
// the buttons are always there for hosts that swallow keys (Colab).
function render({ model, el }) {
  const root = document.createElement("div");
  root.className = "bt-stepper";
  root.tabIndex = 0;
  root.setAttribute("data-lm-suppress-shortcuts", "true");
  root.setAttribute("aria-live", "polite");
  root.dataset.btWidget = "stepper";  // the widget, not the HTML stepper beside it in the same output
  const title = document.createElement("div");
  title.className = "bt-title";
  const bar = document.createElement("div");
  bar.className = "bt-bar";
  const counter = document.createElement("span");
  counter.className = "bt-counter";
  const body = document.createElement("div");
  body.className = "bt-step";
  const count = () => model.get("steps").length;
  const go = (k) => {
    const next = Math.max(0, Math.min(count() - 1, k));
    if (next !== model.get("index")) { model.set("index", next); model.save_changes(); }
    draw();
  };
  const button = (text, label, to) => {
    const b = document.createElement("button");
    b.textContent = text;
    b.title = label;
    b.addEventListener("click", () => { go(to()); root.focus(); });
    bar.append(b);
  };
  button("|◀", "first step (Home)", () => 0);
  button("◀", "previous step (←)", () => model.get("index") - 1);
  bar.append(counter);
  button("▶", "next step (→)", () => model.get("index") + 1);
  button("▶|", "last step (End)", () => count() - 1);
  const keys = { ArrowRight: 1, ArrowLeft: -1 };
  const onKey = (e) => {
    let to = null;
    if (e.key in keys) to = model.get("index") + keys[e.key];
    else if (e.key === "Home") to = 0;
    else if (e.key === "End") to = count() - 1;
    if (to === null) return;
    e.preventDefault();
    e.stopPropagation();
    go(to);
  };
  root.addEventListener("keydown", onKey);
  function draw() {
    const steps = model.get("steps");
    const i = Math.max(0, Math.min(steps.length - 1, model.get("index")));
    title.textContent = model.get("title");
    counter.textContent = `${i + 1} / ${steps.length}`;
    body.innerHTML = steps.length ? steps[i].html : "";
    body.dataset.step = String(i);
  }
  model.on("change:index", draw);
  model.on("change:steps", draw);
  root.append(title, bar, body);
  el.append(root);
  draw();
  return () => {
    model.off("change:index", draw);
    model.off("change:steps", draw);
    root.removeEventListener("keydown", onKey);
  };
}
export default { render };
