/*
 * sse-load: the load generator's native engine for plain SSE clients (HTTP/1.1 cleartext, Linux only).
 *
 * Opens `count` raw SSE connections round robin over targets, at most `concurrency` of them connecting (or
 * waiting for `likewire.connected`) at once, each from its own source (address, port) pair picked as
 * source-ports.ts picks them. Writes the GET of sse-client.ts and reads the response with the semantics of
 * sse-parser.ts: HTTP head, chunked coding, frames split on "\n\n", a data frame's last "ts": digits, the
 * likewire.connected / gap / heartbeat control frames. Latency = CLOCK_REALTIME ms (Date.now()'s clock),
 * read once per read(), minus ts.
 *
 * Once a second (and on `close` or EOF on stdin, before exiting) it writes one JSON line to stdout: its
 * counts, its own CPU (getrusage) and RSS, and the latency histogram of the interval as [ms, count, ...].
 *
 * Usage: sse-load --count N [--concurrency C] [--worker i --workers n] [--local 127.0.0.2 ...]
 *                 --target host:port:readyOnHead(0|1):path [--target ...]
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define READ_BUFFER_SIZE (256 * 1024)
#define MAX_EVENTS 1024
/* latencies above this many ms land in the last bucket (17 min: far beyond any drain window) */
#define HIST_MS (1 << 20)
/* source-ports.ts: the (address, port) pairs the workers share, each worker its own slice of ports */
#define SOURCE_PORT_LOW 20000
#define SOURCE_PORT_HIGH 60999
#define MAX_ADDRESS_ATTEMPTS 50
/* epoll data: connections are 0..count-1; stdin is this */
#define STDIN_TAG UINT32_MAX

enum state { CONNECTING, HEAD, CHUNK_SIZE, CHUNK_DATA, CHUNK_END, RAW, CLOSED };

struct target {
  struct sockaddr_in addr;
  int ready_on_head;
  char *request;
  size_t request_len;
};

struct conn {
  int fd;
  uint32_t target;
  uint8_t state;
  uint8_t counted; /* done() called: no longer holds a slot of `concurrency` */
  uint8_t ready;
  uint8_t attempt;
  int32_t size_digits;
  int32_t crlf_left;
  uint64_t chunk_left;
  uint32_t sent;
  /* the head so far, then a frame cut across reads (the parser's `partial`) */
  char *carry;
  uint32_t carry_len, carry_cap;
};

static struct target *targets;
static uint32_t target_count;
static struct in_addr *locals;
static uint32_t local_count;
static uint32_t worker_index, worker_count = 1;
static uint32_t ports_per_address;
static uint64_t port_cursor;

static struct conn *conns;
static uint32_t count, next_conn, in_flight, concurrency = 256;
static int epfd;
static char *read_buffer;

static struct {
  int64_t ready, opened, closed, errors, rejected, data_frames, untimed, gaps, heartbeats;
} stats;
static int64_t last_ready_at;
static char first_error[160];

static uint32_t *hist;
static uint32_t hist_lo = HIST_MS, hist_hi;

/* Date.now() of the read being parsed (0: not read yet for this read) */
static int64_t read_at;

static int64_t now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_REALTIME, &t);
  return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static int64_t monotonic_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void set_first_error(const char *what, int err, const struct conn *c) {
  if (first_error[0]) return;
  const struct sockaddr_in *a = &targets[c->target].addr;
  char host[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
  snprintf(first_error, sizeof first_error, "%s %s %s:%u", what, strerrorname_np(err) ? strerrorname_np(err) : strerror(err),
           host, ntohs(a->sin_port));
}

static void record(int64_t ts) {
  if (!read_at) read_at = now_ms();
  int64_t ms = read_at - ts;
  if (ms < 0) ms = 0;
  if (ms >= HIST_MS) ms = HIST_MS - 1;
  hist[ms]++;
  if ((uint32_t)ms < hist_lo) hist_lo = (uint32_t)ms;
  if ((uint32_t)ms >= hist_hi) hist_hi = (uint32_t)ms + 1;
}

static void carry_append(struct conn *c, const char *bytes, size_t n) {
  if (c->carry_len + n > c->carry_cap) {
    uint32_t cap = c->carry_cap ? c->carry_cap : 256;
    while (cap < c->carry_len + n) cap *= 2;
    c->carry = realloc(c->carry, cap);
    if (!c->carry) abort();
    c->carry_cap = cap;
  }
  memcpy(c->carry + c->carry_len, bytes, n);
  c->carry_len += (uint32_t)n;
}

/* The digits at `pos` (-1 when none): readInt of sse-parser.ts. */
static int64_t read_int(const char *buf, size_t pos, size_t end) {
  int64_t value = 0;
  int digits = 0;
  for (; pos < end; pos++) {
    unsigned char b = (unsigned char)buf[pos];
    if (b < '0' || b > '9') break;
    value = value * 10 + (b - '0');
    digits++;
  }
  return digits ? value : -1;
}

/* The frame's last "ts": (-1 when absent), searched back from its end: the publisher's, after any envelope ts. */
static int64_t last_ts(const char *buf, size_t start, size_t end) {
  if (end < start + 5) return -1;
  for (size_t at = end - 5 + 1; at-- > start;) {
    if (buf[at] == '"' && memcmp(buf + at, "\"ts\":", 5) == 0) return read_int(buf, at + 5, end);
  }
  return -1;
}

static int names(const char *buf, size_t len, size_t at, const char *name, size_t n) {
  return at + n <= len && memcmp(buf + at, name, n) == 0;
}

static void done(struct conn *c) {
  if (c->counted) return;
  c->counted = 1;
  in_flight--;
}

static void connected(struct conn *c) {
  c->ready = 1;
  stats.ready++;
  last_ready_at = now_ms();
  done(c);
}

static void on_data(int64_t ts) {
  stats.data_frames++;
  if (ts < 0) stats.untimed++;
  else record(ts);
}

/* One frame [start, end) of buf (len bytes; the "\n\n" after it is in buf). */
static void frame(struct conn *c, const char *buf, size_t len, size_t start, size_t end) {
  char first = buf[start];
  if (first == 'i' || first == 'd') {
    on_data(last_ts(buf, start, end));
  } else if (first == 'e') {
    size_t name = start + 6 < len && buf[start + 6] == ' ' ? start + 7 : start + 6;
    if (names(buf, len, name, "likewire.connected\n", 19)) connected(c);
    else if (names(buf, len, name, "likewire.gap\n", 13)) stats.gaps++;
    else if (names(buf, len, name, "likewire.heartbeat\n", 19)) stats.heartbeats++;
    /* a named event of any other name is data (better-sse writes `event:` first on every event) */
    else on_data(last_ts(buf, start, end));
  }
}

static const char *frame_end(const char *from, const char *to) {
  for (const char *p = from; p + 1 < to; p++) {
    p = memchr(p, '\n', (size_t)(to - p - 1));
    if (!p) return NULL;
    if (p[1] == '\n') return p;
  }
  return NULL;
}

/* Body bytes: split into frames; a frame cut by a read boundary waits in carry. */
static void body(struct conn *c, const char *bytes, size_t n) {
  const char *buf = bytes;
  size_t len = n;
  int from_carry = c->carry_len > 0;
  if (from_carry) {
    carry_append(c, bytes, n);
    buf = c->carry;
    len = c->carry_len;
  }
  size_t pos = 0;
  for (;;) {
    const char *at = frame_end(buf + pos, buf + len);
    if (!at) break;
    size_t end = (size_t)(at - buf);
    if (end > pos) frame(c, buf, len, pos, end);
    pos = end + 2;
  }
  if (from_carry) {
    memmove(c->carry, c->carry + pos, len - pos);
    c->carry_len = (uint32_t)(len - pos);
  } else if (pos < len) {
    carry_append(c, buf + pos, len - pos);
  }
}

static int hex_digit(unsigned char b) {
  if (b >= '0' && b <= '9') return b - '0';
  if (b >= 'a' && b <= 'f') return b - 'a' + 10;
  if (b >= 'A' && b <= 'F') return b - 'A' + 10;
  return -1;
}

/* /\r\ntransfer-encoding:\s*chunked/i over the head */
static int is_chunked(const char *head, size_t n) {
  static const char key[] = "\r\ntransfer-encoding:";
  size_t k = sizeof key - 1;
  for (size_t i = 0; i + k <= n; i++) {
    if (strncasecmp(head + i, key, k) != 0) continue;
    size_t j = i + k;
    while (j < n && (head[j] == ' ' || head[j] == '\t' || head[j] == '\r' || head[j] == '\n' || head[j] == '\f' ||
                     head[j] == '\v'))
      j++;
    if (j + 7 <= n && strncasecmp(head + j, "chunked", 7) == 0) return 1;
  }
  return 0;
}

static void close_conn(struct conn *c, int had_error, const char *what, int err);

/* The response head [0, n): its status; returns 0 when the connection was rejected (and closed). */
static int head(struct conn *c, const char *h, size_t n) {
  int status = 0;
  if (n >= 12) {
    for (int i = 9; i < 12; i++) {
      if (h[i] < '0' || h[i] > '9') {
        status = -1;
        break;
      }
      status = status * 10 + (h[i] - '0');
    }
  }
  if (status != 200) {
    stats.rejected++;
    if (!first_error[0]) snprintf(first_error, sizeof first_error, "HTTP %d", status);
    close_conn(c, 0, NULL, 0);
    return 0;
  }
  c->state = is_chunked(h, n) ? CHUNK_SIZE : RAW;
  if (targets[c->target].ready_on_head) connected(c);
  return 1;
}

/* One read's bytes, through the state machine of SseParser.push. */
static void push(struct conn *c, const char *chunk, size_t end) {
  size_t pos = 0;
  while (pos < end && c->state != CLOSED) {
    switch (c->state) {
      case HEAD: {
        const char *buf = chunk + pos;
        size_t len = end - pos, skip_from_chunk;
        if (c->carry_len) {
          size_t old = c->carry_len;
          carry_append(c, buf, len);
          const char *at = memmem(c->carry, c->carry_len, "\r\n\r\n", 4);
          if (!at) return;
          size_t head_len = (size_t)(at - c->carry);
          /* the terminator was not whole in the old bytes: the body starts in this read */
          skip_from_chunk = head_len + 4 - old;
          c->carry_len = 0;
          if (!head(c, c->carry, head_len)) return;
        } else {
          const char *at = memmem(buf, len, "\r\n\r\n", 4);
          if (!at) {
            carry_append(c, buf, len);
            return;
          }
          skip_from_chunk = (size_t)(at - buf) + 4;
          if (!head(c, buf, (size_t)(at - buf))) return;
        }
        pos += skip_from_chunk;
        break;
      }
      case CHUNK_SIZE: {
        unsigned char b = (unsigned char)chunk[pos++];
        if (b == '\n') {
          if (c->chunk_left == 0 && c->size_digits > 0) {
            c->state = CHUNK_END;
            c->crlf_left = 2;
          } else c->state = CHUNK_DATA;
          c->size_digits = 0;
        } else if (b != '\r' && c->size_digits >= 0) {
          int d = hex_digit(b);
          if (d < 0) c->size_digits = -1; /* chunk extension: ignored to the end of the line */
          else {
            c->chunk_left = c->chunk_left * 16 + (uint64_t)d;
            c->size_digits++;
          }
        }
        break;
      }
      case CHUNK_DATA: {
        size_t take = c->chunk_left < end - pos ? (size_t)c->chunk_left : end - pos;
        body(c, chunk + pos, take);
        pos += take;
        c->chunk_left -= take;
        if (c->chunk_left == 0) {
          c->state = CHUNK_END;
          c->crlf_left = 2;
        }
        break;
      }
      case CHUNK_END:
        pos++;
        if (--c->crlf_left == 0) {
          c->state = CHUNK_SIZE;
          c->chunk_left = 0;
        }
        break;
      case RAW:
        body(c, chunk + pos, end - pos);
        return;
      default:
        return;
    }
  }
}

static void pump(void);

static void close_conn(struct conn *c, int had_error, const char *what, int err) {
  if (c->state == CLOSED) return;
  if (c->fd >= 0) close(c->fd); /* close removes it from the epoll set */
  c->fd = -1;
  c->state = CLOSED;
  free(c->carry);
  c->carry = NULL;
  c->carry_len = c->carry_cap = 0;
  stats.closed++;
  if (c->ready) stats.ready--;
  c->ready = 0;
  if (had_error) {
    stats.errors++;
    set_first_error(what, err, c);
  }
  done(c);
}

/* The next source pair of source-ports.ts: a wrap-around cursor over this worker's slice. */
static void next_source(struct sockaddr_in *source) {
  uint64_t index = port_cursor++ % ((uint64_t)local_count * ports_per_address);
  memset(source, 0, sizeof *source);
  source->sin_family = AF_INET;
  source->sin_addr = locals[index % local_count];
  uint64_t slot = index / local_count;
  source->sin_port = htons((uint16_t)(SOURCE_PORT_LOW + slot * worker_count + worker_index));
}

static int taken(int err) { return err == EADDRINUSE || err == EADDRNOTAVAIL; }

/* Starts (or restarts, on a taken source pair) connection c's connect. */
static void start(uint32_t index) {
  struct conn *c = &conns[index];
  const struct target *t = &targets[c->target];
  for (;;) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      c->fd = -1;
      stats.opened++;
      close_conn(c, 1, "socket", errno);
      return;
    }
    int on = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    int err = 0;
    const char *what = "connect";
    if (local_count) {
      /* libuv binds with SO_REUSEADDR too: a pair in TIME_WAIT can be taken again */
      setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
      struct sockaddr_in source;
      next_source(&source);
      if (bind(fd, (struct sockaddr *)&source, sizeof source) < 0) {
        err = errno;
        what = "bind";
      }
    }
    if (!err && connect(fd, (const struct sockaddr *)&t->addr, sizeof t->addr) < 0 && errno != EINPROGRESS)
      err = errno;
    if (err) {
      close(fd);
      /* that source pair is taken (TIME_WAIT, another process): the next one, not an error */
      if (taken(err) && c->attempt < MAX_ADDRESS_ATTEMPTS) {
        c->attempt++;
        continue;
      }
      c->fd = -1;
      stats.opened++;
      close_conn(c, 1, what, err);
      return;
    }
    c->fd = fd;
    c->state = CONNECTING;
    stats.opened++;
    struct epoll_event ev = {.events = EPOLLOUT | EPOLLIN, .data.u32 = index};
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) close_conn(c, 1, "epoll_ctl", errno);
    return;
  }
}

/* Opens connections with at most `concurrency` in flight (connecting, or not yet subscribed). */
static void pump(void) {
  while (in_flight < concurrency && next_conn < count) {
    uint32_t index = next_conn++;
    struct conn *c = &conns[index];
    memset(c, 0, sizeof *c);
    c->fd = -1;
    c->target = index % target_count;
    in_flight++;
    start(index);
  }
}

static void send_request(uint32_t index) {
  struct conn *c = &conns[index];
  const struct target *t = &targets[c->target];
  while (c->sent < t->request_len) {
    ssize_t n = write(c->fd, t->request + c->sent, t->request_len - c->sent);
    if (n < 0) {
      if (errno == EAGAIN) return; /* EPOLLOUT again */
      close_conn(c, 1, "write", errno);
      return;
    }
    c->sent += (uint32_t)n;
  }
  c->state = HEAD;
  /* edge-triggered: no second poll of the socket per frame; a short read means it was emptied */
  struct epoll_event ev = {.events = EPOLLIN | EPOLLET, .data.u32 = index};
  epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

static void on_event(uint32_t index, uint32_t events) {
  struct conn *c = &conns[index];
  if (c->state == CLOSED) return;
  if (c->state == CONNECTING) {
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err) {
      if (taken(err) && c->attempt < MAX_ADDRESS_ATTEMPTS) {
        c->attempt++;
        close(c->fd);
        stats.opened--;
        start(index);
        return;
      }
      close_conn(c, 1, "connect", err);
      return;
    }
    if (!(events & EPOLLOUT)) return;
    send_request(index);
    return;
  }
  for (;;) {
    ssize_t n = recv(c->fd, read_buffer, READ_BUFFER_SIZE, 0);
    if (n > 0) {
      read_at = 0;
      push(c, read_buffer, (size_t)n);
      /* a short read emptied the socket: the next bytes raise a new edge */
      if (n < READ_BUFFER_SIZE || c->state == CLOSED) return;
      continue;
    }
    if (n == 0) close_conn(c, 0, NULL, 0);
    else if (errno != EAGAIN && errno != EINTR) close_conn(c, 1, "read", errno);
    return;
  }
}

static char *out;
static size_t out_cap;

static void out_printf(size_t *len, const char *format, ...) __attribute__((format(printf, 2, 3)));
static void out_printf(size_t *len, const char *format, ...) {
  for (;;) {
    va_list args;
    va_start(args, format);
    int n = vsnprintf(out + *len, out_cap - *len, format, args);
    va_end(args);
    if (n >= 0 && *len + (size_t)n < out_cap) {
      *len += (size_t)n;
      return;
    }
    out_cap *= 2;
    out = realloc(out, out_cap);
    if (!out) abort();
  }
}

static int64_t rss_bytes(void) {
  FILE *f = fopen("/proc/self/statm", "r");
  long pages = 0, resident = 0;
  if (f) {
    if (fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    fclose(f);
  }
  return (int64_t)resident * sysconf(_SC_PAGESIZE);
}

/* One stats line: counts so far, CPU and RSS now, and the histogram of the interval (then reset). */
static void report(void) {
  struct rusage u;
  getrusage(RUSAGE_SELF, &u);
  size_t len = 0;
  out_printf(&len,
             "{\"ready\":%lld,\"opened\":%lld,\"closed\":%lld,\"errors\":%lld,\"rejected\":%lld,\"dataFrames\":%lld,"
             "\"untimed\":%lld,\"gaps\":%lld,\"heartbeats\":%lld,\"cpuUserMs\":%.3f,\"cpuSystemMs\":%.3f,"
             "\"rssBytes\":%lld,\"lastReadyAt\":%lld,\"at\":%lld,\"firstError\":\"",
             (long long)stats.ready, (long long)stats.opened, (long long)stats.closed, (long long)stats.errors,
             (long long)stats.rejected, (long long)stats.data_frames, (long long)stats.untimed,
             (long long)stats.gaps, (long long)stats.heartbeats,
             u.ru_utime.tv_sec * 1e3 + u.ru_utime.tv_usec / 1e3, u.ru_stime.tv_sec * 1e3 + u.ru_stime.tv_usec / 1e3,
             (long long)rss_bytes(), (long long)last_ready_at, (long long)now_ms());
  for (const char *p = first_error; *p; p++)
    if (*p != '"' && *p != '\\' && (unsigned char)*p >= 0x20) out_printf(&len, "%c", *p);
  out_printf(&len, "\",\"latencyMs\":[");
  int first = 1;
  for (uint32_t ms = hist_lo; ms < hist_hi; ms++) {
    if (!hist[ms]) continue;
    out_printf(&len, "%s%u,%u", first ? "" : ",", ms, hist[ms]);
    hist[ms] = 0;
    first = 0;
  }
  hist_lo = HIST_MS;
  hist_hi = 0;
  out_printf(&len, "]}\n");
  for (size_t sent = 0; sent < len;) {
    ssize_t n = write(1, out + sent, len - sent);
    if (n < 0) {
      if (errno == EINTR) continue;
      exit(0); /* the worker is gone */
    }
    sent += (size_t)n;
  }
}

/* stdin: `close` or EOF ends the run. Returns 1 to stop. */
static int on_stdin(void) {
  char line[256];
  ssize_t n = read(0, line, sizeof line - 1);
  if (n < 0) return errno != EAGAIN && errno != EINTR;
  if (n == 0) return 1;
  line[n] = 0;
  return strstr(line, "close") != NULL;
}

static void usage(void) {
  fprintf(stderr,
          "usage: sse-load --count N [--concurrency C] [--worker i --workers n] [--local addr ...] "
          "--target host:port:readyOnHead:path ...\n");
  exit(2);
}

static void add_target(char *spec) {
  char *host = spec, *port = strchr(host, ':');
  if (!port) usage();
  *port++ = 0;
  char *flag = strchr(port, ':');
  if (!flag) usage();
  *flag++ = 0;
  char *path = strchr(flag, ':');
  if (!path) usage();
  *path++ = 0;
  targets = realloc(targets, sizeof *targets * (target_count + 1));
  struct target *t = &targets[target_count++];
  memset(t, 0, sizeof *t);
  struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *found;
  if (getaddrinfo(host, port, &hints, &found) != 0) {
    fprintf(stderr, "sse-load: cannot resolve %s:%s\n", host, port);
    exit(2);
  }
  memcpy(&t->addr, found->ai_addr, sizeof t->addr);
  freeaddrinfo(found);
  t->ready_on_head = strcmp(flag, "1") == 0;
  /* the GET of sse-client.ts, byte for byte */
  int n = asprintf(&t->request,
                   "GET %s HTTP/1.1\r\nHost: %s:%s\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\n\r\n",
                   path, host, port);
  if (n < 0) abort();
  t->request_len = (size_t)n;
}

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (i + 1 >= argc) usage();
    if (!strcmp(a, "--count")) count = (uint32_t)strtoul(argv[++i], NULL, 10);
    else if (!strcmp(a, "--concurrency")) concurrency = (uint32_t)strtoul(argv[++i], NULL, 10);
    else if (!strcmp(a, "--worker")) worker_index = (uint32_t)strtoul(argv[++i], NULL, 10);
    else if (!strcmp(a, "--workers")) worker_count = (uint32_t)strtoul(argv[++i], NULL, 10);
    else if (!strcmp(a, "--target")) add_target(argv[++i]);
    else if (!strcmp(a, "--local")) {
      locals = realloc(locals, sizeof *locals * (local_count + 1));
      if (inet_pton(AF_INET, argv[++i], &locals[local_count++]) != 1) usage();
    } else usage();
  }
  if (!target_count || !worker_count || !concurrency) usage();
  ports_per_address = (SOURCE_PORT_HIGH - SOURCE_PORT_LOW + 1) / worker_count;

  signal(SIGPIPE, SIG_IGN);

  /* Node raises its soft fd limit to the hard one at startup: so does this */
  struct rlimit files;
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
  }
  conns = calloc(count ? count : 1, sizeof *conns);
  hist = calloc(HIST_MS, sizeof *hist);
  read_buffer = malloc(READ_BUFFER_SIZE);
  out_cap = 4096;
  out = malloc(out_cap);
  if (!conns || !hist || !read_buffer || !out) abort();

  epfd = epoll_create1(EPOLL_CLOEXEC);
  fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK);
  struct epoll_event in = {.events = EPOLLIN, .data.u32 = STDIN_TAG};
  int watch_stdin = epoll_ctl(epfd, EPOLL_CTL_ADD, 0, &in) == 0;

  struct epoll_event events[MAX_EVENTS];
  int64_t next_report = monotonic_ms() + 1000;
  pump();
  for (;;) {
    int64_t wait = next_report - monotonic_ms();
    int n = epoll_wait(epfd, events, MAX_EVENTS, wait > 0 ? (int)wait : 0);
    for (int i = 0; i < n; i++) {
      if (events[i].data.u32 == STDIN_TAG) {
        if (on_stdin()) {
          report();
          return 0;
        }
        if (!watch_stdin) continue;
      } else on_event(events[i].data.u32, events[i].events);
    }
    pump();
    if (monotonic_ms() >= next_report) {
      report();
      next_report += 1000;
      if (next_report < monotonic_ms()) next_report = monotonic_ms() + 1000;
    }
  }
}
