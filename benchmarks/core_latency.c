/* How long two threads take to hand a cache line back and forth (issue 23): the latency between the two cores
   the machine gives a process, which a BLAS product split over 2 threads pays at every synchronisation. On a
   virtual machine the host may place the two virtual cores close (a shared cache: ~50-150 ns a round trip on
   machine A) or far apart (~350-430 ns); the big square products do not notice, a minibatch step's small ones do.

   Build and run:  gcc -O2 -pthread benchmarks/core_latency.c -o /tmp/core_latency && /tmp/core_latency */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

enum { ROUND_TRIPS = 200000 };
static _Atomic int ball = 0;  /* 1: the other thread's turn, 0: the main thread's */

static void *other(void *unused) {
    (void)unused;
    for (int i = 0; i < ROUND_TRIPS; i++) {
        while (atomic_load(&ball) != 1) {}
        atomic_store(&ball, 0);
    }
    return NULL;
}

int main(void) {
    pthread_t thread;
    struct timespec start, end;
    pthread_create(&thread, NULL, other, NULL);
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (int i = 0; i < ROUND_TRIPS; i++) {
        atomic_store(&ball, 1);
        while (atomic_load(&ball) != 0) {}
    }
    clock_gettime(CLOCK_MONOTONIC, &end);
    pthread_join(thread, NULL);
    double ns = (end.tv_sec - start.tv_sec) * 1e9 + (end.tv_nsec - start.tv_nsec);
    printf("core-to-core round trip: %.0f ns\n", ns / ROUND_TRIPS);
    return 0;
}
