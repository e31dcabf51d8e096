/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * qos.c - a port's receive limit: the rate at which a VM's transmitted
 * frames enter the switch (xapi's "ratelimit" QoS, as netback applies it).
 *
 * A limited port has a token bucket (lib/token-bucket.h) on the TSC and,
 * for each worker that polls it, a queue of frames received but not yet
 * let in. Frames enter in order as the credit allows; the bucket is read
 * once per burst. What is done with the excess depends on where the frames
 * come from:
 *
 *  - A port whose queue the switch pulls from (vhost-user: the guest's
 *    virtqueue; an ethdev's descriptor ring) is read only while its worker
 *    holds none of its frames: at most one burst waits here, the rest waits
 *    in the guest's own queue, and nothing is dropped. The guest sees a
 *    full queue, as a Xen guest sees netback stop taking requests.
 *  - A kernel port (af_packet, tap) is read whenever the kernel has frames,
 *    since the kernel's socket queue drops when full and, unread, keeps the
 *    worker's readiness set busy: its frames wait here up to
 *    dp_qos_queue_max() bytes and DP_QOS_QUEUE frames (and one frame
 *    always may), and those beyond are dropped, counted as qos_drop. The
 *    bound is per worker (a kernel port with a socket per worker, a trunk,
 *    has one per socket).
 *
 * Workers share a port's bucket when several poll its queues (a
 * multi-queue vhost-user guest): it has a spinlock, which a worker only
 * tries (a worker that finds it held lets its frames wait for its next
 * pass); the control thread takes it to change the rate. A port's qos
 * state is made with its first limit and freed with the port: clearing a
 * limit sets the rate to 0, which lets everything through (the frames
 * waiting first) at the cost of one test a burst.
 */
#include <errno.h>

#include <rte_branch_prediction.h>
#include <rte_cycles.h>
#include <rte_malloc.h>

#include "dp-private.h"

/* A kernel port's frames wait up to the larger of this and
 * DP_QOS_QUEUE_MS of its rate, and one frame may always wait. Measured
 * with TCP (bench/qos.sh): 128 KiB at 1 Mbit/s is a second of queue, and
 * the sender's timers fire while its segments wait (hundreds of
 * retransmissions, 4% under the rate); 32 KiB holds it within 1%, none
 * lost to timers. */
#define DP_QOS_QUEUE_MIN_BYTES (32 * 1024)
#define DP_QOS_QUEUE_MS 10

uint64_t
dp_qos_queue_max(uint64_t rate)
{
	uint64_t t = rate / (1000 / DP_QOS_QUEUE_MS);

	return t > DP_QOS_QUEUE_MIN_BYTES ? t : DP_QOS_QUEUE_MIN_BYTES;
}

static struct dp_qos *
qos_new(struct dp *dp, const struct dp_port *port)
{
	struct dp_qos *qos = rte_zmalloc("dp_qos", sizeof(*qos), RTE_CACHE_LINE_SIZE);

	if (qos == NULL)
		return NULL;
	qos->q = rte_zmalloc("dp_qos_queue", dp->n_workers * sizeof(*qos->q), RTE_CACHE_LINE_SIZE);
	if (qos->q == NULL) {
		rte_free(qos);
		return NULL;
	}
	rte_spinlock_init(&qos->lock);
	qos->n_workers = dp->n_workers;
	/* Kernel ports are read whatever waits (rx_fd kinds, port.h). */
	qos->bounded = port->cls->rx_fd != NULL;
	token_bucket_init(&qos->tb, 0, 0, dp->tsc_hz, rte_rdtsc());
	return qos;
}

void
dp_qos_free(struct dp_qos *qos)
{
	unsigned int w;

	if (qos == NULL)
		return;
	for (w = 0; w < qos->n_workers; w++) {
		struct dp_qos_queue *q = &qos->q[w];

		while (q->n != 0) {
			rte_pktmbuf_free(q->m[q->head]);
			q->head = (uint16_t)((q->head + 1) % DP_QOS_QUEUE);
			q->n--;
		}
	}
	rte_free(qos->q);
	rte_free(qos);
}

int
dp_qos_set(struct dp *dp, struct dp_port *port, uint64_t rate, uint64_t burst)
{
	struct dp_qos *qos = port->qos;
	uint64_t now;

	if (rate != 0 && burst == 0)
		return EINVAL;
	if (qos == NULL) {
		if (rate == 0)
			return 0; /* never limited: nothing to clear */
		qos = qos_new(dp, port);
		if (qos == NULL)
			return ENOMEM;
		token_bucket_init(&qos->tb, rate, burst, dp->tsc_hz, rte_rdtsc());
		qos->rate = rate;
		qos->queue_max = dp_qos_queue_max(rate);
		/* Workers see it whole: the release orders its fields first. */
		__atomic_store_n(&port->qos, qos, __ATOMIC_RELEASE);
		return 0;
	}
	rte_spinlock_lock(&qos->lock);
	now = rte_rdtsc();
	/* The time so far at the old rate; a bucket that was no limit
	 * starts full. */
	token_bucket_refill(&qos->tb, now);
	if (qos->tb.rate == 0)
		qos->tb.tokens = burst;
	qos->tb.rate = rate;
	qos->tb.burst = burst;
	if (qos->tb.tokens > burst)
		qos->tb.tokens = burst;
	qos->tb.last = now;
	__atomic_store_n(&qos->rate, rate, __ATOMIC_RELAXED);
	if (rate != 0)
		__atomic_store_n(&qos->queue_max, dp_qos_queue_max(rate), __ATOMIC_RELAXED);
	rte_spinlock_unlock(&qos->lock);
	return 0;
}

void
dp_qos_get(const struct dp_port *port, uint64_t *rate, uint64_t *burst)
{
	struct dp_qos *qos = __atomic_load_n(&port->qos, __ATOMIC_ACQUIRE);

	*rate = 0;
	*burst = 0;
	if (qos == NULL)
		return;
	/* The control thread writes both (dp_qos_set()): no lock, which
	 * workers only try, so that a look makes no frame wait. */
	*rate = qos->tb.rate;
	*burst = qos->tb.burst;
}

uint32_t
dp_qos_waiting(const struct dp_port *port)
{
	struct dp_qos *qos = __atomic_load_n(&port->qos, __ATOMIC_ACQUIRE);
	uint32_t n = 0;
	unsigned int w;

	if (qos != NULL)
		for (w = 0; w < qos->n_workers; w++)
			n += __atomic_load_n(&qos->q[w].n, __ATOMIC_RELAXED);
	return n;
}

/* Remember that worker @w holds frames of @port (dp_qos_pending()). */
static void
pending_add(struct dp_worker *w, struct dp_port *port, struct dp_qos *qos, struct dp_qos_queue *q)
{
	if (q->listed || w->n_qos_wait == RTE_DIM(w->qos_wait))
		return; /* a full list: the port's next read lets them go */
	q->listed = true;
	w->qos_wait[w->n_qos_wait].port = port->id;
	w->qos_wait[w->n_qos_wait].qos = qos;
	w->n_qos_wait++;
}

/* May a frame of @len bytes go with @tokens of credit? If it is larger
 * than the burst (a limit set through the datapath's API with a burst
 * under the largest frame; xapi's is at least 128 KiB), once the bucket is
 * full: it would wait for ever otherwise. */
static inline bool
fits(const struct token_bucket *tb, uint64_t tokens, uint32_t len)
{
	return tokens >= len || tokens >= tb->burst;
}

static inline uint64_t
take(uint64_t tokens, uint32_t len)
{
	return tokens > len ? tokens - len : 0;
}

/* Frames of @q that the credit lets in, at most @max, into @pkts. */
static uint16_t
release(struct dp_qos *qos, struct dp_qos_queue *q, struct rte_mbuf **pkts, uint16_t max)
{
	uint16_t n = 0;

	if (q->n == 0)
		return 0;
	if (!rte_spinlock_trylock(&qos->lock))
		return 0; /* another worker is at it: next pass */
	token_bucket_refill(&qos->tb, rte_rdtsc());
	while (n < max && q->n != 0) {
		struct rte_mbuf *m = q->m[q->head];

		if (qos->tb.rate != 0) {
			if (!fits(&qos->tb, qos->tb.tokens, m->pkt_len))
				break;
			qos->tb.tokens = take(qos->tb.tokens, m->pkt_len);
		}
		pkts[n++] = m;
		q->bytes -= m->pkt_len;
		q->head = (uint16_t)((q->head + 1) % DP_QOS_QUEUE);
		__atomic_store_n(&q->n, (uint16_t)(q->n - 1), __ATOMIC_RELAXED);
	}
	rte_spinlock_unlock(&qos->lock);
	return n;
}

/* Frames @in[0..@n) go behind those that wait in @q, or are dropped
 * (counted qos_drop) past a kernel port's bound. */
static void
enqueue(struct dp_qos *qos, struct dp_qos_queue *q, struct dp_port_stats *st, struct rte_mbuf **in,
	uint16_t n)
{
	/* No bound once the limit is cleared: what waits goes at once. */
	uint64_t max = __atomic_load_n(&qos->rate, __ATOMIC_RELAXED) == 0
			       ? UINT64_MAX
			       : __atomic_load_n(&qos->queue_max, __ATOMIC_RELAXED);
	uint16_t i;

	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = in[i];

		/* One frame may always wait, whatever its size. */
		if (unlikely(q->n == DP_QOS_QUEUE ||
			     (qos->bounded && q->n != 0 && q->bytes + m->pkt_len > max))) {
			st->rx_packets++;
			st->rx_bytes += m->pkt_len;
			st->drops[DP_DROP_QOS]++;
			rte_pktmbuf_free(m);
			continue;
		}
		q->m[(q->head + q->n) % DP_QOS_QUEUE] = m;
		q->bytes += m->pkt_len;
		__atomic_store_n(&q->n, (uint16_t)(q->n + 1), __ATOMIC_RELAXED);
	}
}

/* How many of the @n frames of @pkts, in order, the credit lets in now
 * (taken from it). */
static uint16_t
admit(struct dp_qos *qos, struct rte_mbuf **pkts, uint16_t n)
{
	uint64_t tokens;
	uint16_t k = 0;

	if (!rte_spinlock_trylock(&qos->lock))
		return 0; /* another worker is at it: they wait a pass */
	token_bucket_refill(&qos->tb, rte_rdtsc());
	if (qos->tb.rate == 0) {
		k = n;
	} else {
		tokens = qos->tb.tokens;
		while (k < n && fits(&qos->tb, tokens, pkts[k]->pkt_len))
			tokens = take(tokens, pkts[k++]->pkt_len);
		qos->tb.tokens = tokens;
	}
	rte_spinlock_unlock(&qos->lock);
	return k;
}

uint16_t
dp_qos_rx(struct dp_worker *w, struct dp_port *port, struct dp_qos *qos, uint16_t queue,
	  struct rte_mbuf **pkts)
{
	struct dp_qos_queue *q = &qos->q[w->id];
	struct dp_port_stats *st = &port->pw[w->id].st;
	struct rte_mbuf *in[DP_BURST];
	uint16_t got, n;

	if (likely(q->n == 0)) {
		/* Nothing waits: the frames the credit covers go straight
		 * in, the rest wait. */
		got = port->cls->rx_burst(port, queue, pkts, DP_BURST);
		if (got == 0 || __atomic_load_n(&qos->rate, __ATOMIC_RELAXED) == 0)
			return got; /* no limit (cleared) */
		n = admit(qos, pkts, got);
		if (unlikely(n < got)) {
			enqueue(qos, q, st, pkts + n, (uint16_t)(got - n));
			if (q->n != 0)
				pending_add(w, port, qos, q);
		}
		return n;
	}
	/* Frames wait: those the credit lets in go first. The guest's
	 * queue holds the excess of a port that is pulled from: it is read
	 * only when none of its frames wait here. A kernel port's frames
	 * are taken as they come, behind those that wait. */
	n = release(qos, q, pkts, DP_BURST);
	if (qos->bounded) {
		got = port->cls->rx_burst(port, queue, in, DP_BURST);
		enqueue(qos, q, st, in, got);
	}
	if (q->n != 0)
		pending_add(w, port, qos, q);
	return n;
}

uint16_t
dp_qos_pending(struct dp_worker *w, const struct dp_cfg *cfg, unsigned int i, struct dp_port **port,
	       struct rte_mbuf **pkts, bool *done)
{
	struct dp_port *p = cfg->port[w->qos_wait[i].port];
	struct dp_qos_queue *q;
	struct dp_qos *qos;
	uint16_t n;

	*port = NULL;
	*done = true;
	/* The port (or its qos state) may be gone since: then it is not the
	 * one listed, and its frames went with it. */
	qos = p != NULL ? __atomic_load_n(&p->qos, __ATOMIC_ACQUIRE) : NULL;
	if (qos == NULL || qos != w->qos_wait[i].qos)
		return 0;
	*port = p;
	q = &qos->q[w->id];
	n = release(qos, q, pkts, DP_BURST);
	if (q->n == 0)
		q->listed = false;
	else
		*done = false;
	return n;
}

bool
dp_qos_trace(struct dp_port *port, uint32_t len, struct dp_trace_step *step)
{
	struct dp_qos *qos = __atomic_load_n(&port->qos, __ATOMIC_ACQUIRE);
	const struct dp_qos_queue *q;
	struct token_bucket tb;
	uint64_t left;
	uint16_t n;

	if (qos == NULL || __atomic_load_n(&qos->rate, __ATOMIC_RELAXED) == 0)
		return false;
	/* The credit as a worker would find it: a copy, refilled. Read
	 * without the lock (workers only try it: holding it would make
	 * their frames wait, or a kernel port's be dropped); the control
	 * thread writes rate and burst, workers the rest, field by field. */
	tb = qos->tb;
	tb.tokens = __atomic_load_n(&qos->tb.tokens, __ATOMIC_RELAXED);
	tb.frac = __atomic_load_n(&qos->tb.frac, __ATOMIC_RELAXED);
	tb.last = __atomic_load_n(&qos->tb.last, __ATOMIC_RELAXED);
	token_bucket_refill(&tb, rte_rdtsc());
	/* The queue of the worker that reads the port (its first queue's;
	 * a port read by several holds frames in each). */
	q = &qos->q[dp_port_rx_worker(port, 0) % qos->n_workers];
	n = __atomic_load_n(&q->n, __ATOMIC_RELAXED);
	step->a = tb.rate;
	step->b = tb.burst;
	step->c = tb.tokens;
	step->d = dp_qos_waiting(port);
	if (n == 0) {
		/* admit() */
		step->e = fits(&tb, tb.tokens, len) ? 0 : 1;
		return true;
	}
	/* dp_qos_rx(): what waits is let go as the credit allows, then a
	 * kernel port's new frame waits behind what is left, or past the
	 * bound is dropped. The frames' sizes are not known here: what the
	 * credit covers is an estimate. */
	step->e = 1;
	left = __atomic_load_n(&q->bytes, __ATOMIC_RELAXED);
	left -= RTE_MIN(left, tb.tokens);
	if (qos->bounded && left != 0 && (left + len > qos->queue_max || n >= DP_QOS_QUEUE))
		step->e = 2;
	return true;
}
