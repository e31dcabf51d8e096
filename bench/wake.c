/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * wake.c - what this machine charges for waking a thread blocked in epoll
 * on another CPU: the floor under switchd's first frame after idle (its
 * idle workers block in epoll_wait on their ports' eventfds).
 *
 *   bench-wake [IDLE-SECONDS...]   (default: 0.2 1)
 *
 * A thread on CPU 1 blocks in epoll_wait on an eventfd, edge-triggered as
 * switchd's workers do; the main thread on CPU 0 waits IDLE-SECONDS,
 * writes the eventfd and spins until the woken thread answers through a
 * second eventfd. 21 wakes per idle time; prints the median and range in
 * microseconds (the answer's own cost, a write seen by a spinning reader,
 * is well under a microsecond).
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#define WAKES 21

static int kick_fd, answer_fd;

static uint64_t
now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static void
pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set) != 0)
		fprintf(stderr, "bench-wake: cannot pin to CPU %d: figures are less exact\n", cpu);
}

static void *
sleeper(void *arg)
{
	struct epoll_event ev = {.events = EPOLLIN | EPOLLET};
	uint64_t v;
	int ep;

	(void)arg;
	pin(1);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, kick_fd, &ev) != 0) {
		perror("bench-wake: epoll");
		exit(1);
	}
	for (;;) {
		if (epoll_wait(ep, &ev, 1, -1) < 0 && errno != EINTR)
			exit(1);
		if (read(kick_fd, &v, sizeof(v)) != sizeof(v))
			continue;
		v = 1;
		if (write(answer_fd, &v, sizeof(v)) != sizeof(v))
			exit(1);
	}
	return NULL;
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void
measure(double idle)
{
	double us[WAKES];
	unsigned int i;

	for (i = 0; i < WAKES; i++) {
		uint64_t v = 1, t0;

		usleep((useconds_t)(idle * 1e6));
		t0 = now_ns();
		if (write(kick_fd, &v, sizeof(v)) != sizeof(v))
			exit(1);
		while (read(answer_fd, &v, sizeof(v)) != sizeof(v))
			;
		us[i] = (double)(now_ns() - t0) / 1000.0;
	}
	qsort(us, WAKES, sizeof(us[0]), cmp);
	printf("| %.1f s | %.0f | %.0f | %.0f |\n", idle, us[WAKES / 2], us[0], us[WAKES - 1]);
}

int
main(int argc, char **argv)
{
	pthread_t t;
	int i;

	kick_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	answer_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (kick_fd < 0 || answer_fd < 0 || pthread_create(&t, NULL, sleeper, NULL) != 0) {
		perror("bench-wake");
		return 1;
	}
	pin(0);
	usleep(100000);
	printf("Waking a thread blocked in epoll on CPU 1 from CPU 0, %d wakes per idle time\n\n",
	       WAKES);
	printf("| idle before each wake | median us | min | max |\n|---|---|---|---|\n");
	if (argc == 1) {
		measure(0.2);
		measure(1);
	}
	for (i = 1; i < argc; i++)
		measure(atof(argv[i]));
	return 0;
}
