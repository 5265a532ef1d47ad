/*
 * firstframe.so - a measuring shim for bench/kiosk/run.sh, loaded with
 * LD_PRELOAD into synaq-floor or synaq-kiosk (which are not changed). It
 * wraps five SDL calls and reads CLOCK_MONOTONIC around them:
 *
 *   SDL_RenderClear      the first call after a present starts a frame;
 *                        the time inside the clears is summed per frame
 *   SDL_RenderFillRect   the time inside the fills is summed per frame
 *   SDL_RenderPresent    ends it (times at entry and at return)
 *   TTF_RenderUTF8_Blended, TTF_RenderUTF8_Blended_Wrapped
 *                        counted per frame: 0 means all texts came from a
 *                        cache, more means the frame rendered new text;
 *                        those between frames (the kiosk prefetching while
 *                        it waits) are counted apart, before the next frame
 *   IMG_Load_RW          pictures decoded, in the frame and between frames
 *
 * Environment:
 *   KB_SHIM_OUT=FILE      where to write (default: stderr)
 *   KB_T0_NS=N            CLOCK_MONOTONIC before exec, set by kb-launch
 *   KB_QUIT_AFTER_FIRST=1 raise SIGTERM once the first frame is presented
 *                         (the kiosk takes SIGTERM as "stop", cleanly)
 *   KB_SHIM_RSS=1         also note the resident memory after each frame
 *
 * Output, one record a line:
 *   first t0=N present_in=N present_out=N cpu=C pid=P     (written at once)
 *   frame clear=N present_in=N present_out=N ttf=K cpu=C rss_kb=R clear_ns=D fill_ns=F
 *         faults=P img=I pre_ttf=K pre_img=I pre_last=N pre_cpu=C
 *                                        (kept, written at exit; R is -1 without KB_SHIM_RSS)
 * Times are nanoseconds of CLOCK_MONOTONIC; cpu is CPU time in ns: of the
 * process up to the first present, of the drawing thread within a frame;
 * D and F are the time spent inside SDL_RenderClear and SDL_RenderFillRect
 * in the frame; P the page faults of the drawing thread within the frame
 * (getrusage, RUSAGE_THREAD). img is the pictures decoded in the frame;
 * pre_ttf and pre_img the texts rendered and pictures decoded since the
 * previous frame was presented and before this one began, pre_last when
 * the last of them returned (0: none), pre_cpu the drawing thread's CPU
 * time over that interval (-1 for the first frame).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include <SDL.h>
#include <SDL_ttf.h>

#define MAX_FRAMES 100000

typedef struct {
    int64_t clear, in, out, cpu, rss_kb, clear_ns, fill_ns, faults, pre_last, pre_cpu;
    int ttf, img, pre_ttf, pre_img;
} rec;

static rec *frames;
static int n_frames;
static int64_t clear_at = -1, clear_cpu, clear_faults;
static int64_t clear_ns, fill_ns; /* time inside the clears and the fills of a frame */
static int ttf_count, img_count;
/* Between frames: counted since the last present; taken by the next frame
 * when it begins. */
static int pre_ttf, pre_img, frame_pre_ttf, frame_pre_img;
static int64_t pre_last, frame_pre_last;
static int64_t present_cpu = -1, frame_pre_cpu; /* the thread's CPU at the last present */
static int first_done;
static int want_rss = -1;

/* Resident memory in kB, from /proc/self/statm (its second field, in
 * pages); -1 when it cannot be read. Read after a frame's times are taken,
 * so it costs the frame nothing. */
static int64_t rss_kb(void)
{
    char buf[128];
    int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = 0;
    long long size, res;
    if (sscanf(buf, "%lld %lld", &size, &res) != 2)
        return -1;
    return res * (sysconf(_SC_PAGESIZE) / 1024);
}

static int64_t clock_ns(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t now_ns(void)
{
    return clock_ns(CLOCK_MONOTONIC);
}

/* Page faults of the calling thread so far (minor and major). */
static int64_t thread_faults(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_THREAD, &ru) != 0)
        return 0;
    return (int64_t)ru.ru_minflt + ru.ru_majflt;
}

static void *next_sym(const char *name)
{
    void *f = dlsym(RTLD_NEXT, name);
    if (!f) {
        fprintf(stderr, "firstframe: %s not found\n", name);
        abort();
    }
    return f;
}

static int out_fd(void)
{
    const char *path = getenv("KB_SHIM_OUT");
    if (!path || !*path)
        return dup(2);
    return open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
}

static void put(const char *s, size_t n)
{
    int fd = out_fd();
    if (fd < 0)
        return;
    while (n > 0) {
        ssize_t w = write(fd, s, n);
        if (w <= 0)
            break;
        s += w;
        n -= (size_t)w;
    }
    close(fd);
}

int SDL_RenderClear(SDL_Renderer *r)
{
    static int (*real)(SDL_Renderer *);
    if (!real)
        real = (int (*)(SDL_Renderer *))next_sym("SDL_RenderClear");
    if (clear_at < 0) {
        clear_at = now_ns();
        clear_cpu = clock_ns(CLOCK_THREAD_CPUTIME_ID);
        clear_faults = thread_faults();
        ttf_count = img_count = 0;
        clear_ns = fill_ns = 0;
        frame_pre_ttf = pre_ttf;
        frame_pre_img = pre_img;
        frame_pre_last = pre_last;
        frame_pre_cpu = present_cpu >= 0 ? clear_cpu - present_cpu : -1;
        pre_ttf = pre_img = 0;
        pre_last = 0;
    }
    int64_t t0 = now_ns();
    int rc = real(r);
    clear_ns += now_ns() - t0;
    return rc;
}

int SDL_RenderFillRect(SDL_Renderer *r, const SDL_Rect *rect)
{
    static int (*real)(SDL_Renderer *, const SDL_Rect *);
    if (!real)
        real = (int (*)(SDL_Renderer *, const SDL_Rect *))next_sym("SDL_RenderFillRect");
    int64_t t0 = now_ns();
    int rc = real(r, rect);
    fill_ns += now_ns() - t0;
    return rc;
}

void SDL_RenderPresent(SDL_Renderer *r)
{
    static void (*real)(SDL_Renderer *);
    if (!real)
        real = (void (*)(SDL_Renderer *))next_sym("SDL_RenderPresent");
    int64_t in = now_ns();
    real(r);
    int64_t out = now_ns();
    int64_t cpu_out = clock_ns(CLOCK_THREAD_CPUTIME_ID);
    int64_t faults_out = clear_at >= 0 ? thread_faults() : 0;
    if (!first_done) {
        first_done = 1;
        const char *t0 = getenv("KB_T0_NS");
        char line[256];
        int n = snprintf(line, sizeof line,
                         "first t0=%s present_in=%lld present_out=%lld cpu=%lld pid=%d\n",
                         t0 ? t0 : "0", (long long)in, (long long)out,
                         (long long)clock_ns(CLOCK_PROCESS_CPUTIME_ID), (int)getpid());
        put(line, (size_t)n);
        const char *q = getenv("KB_QUIT_AFTER_FIRST");
        if (q && *q == '1')
            kill(getpid(), SIGTERM);
    }
    if (clear_at >= 0) {
        if (want_rss < 0) {
            const char *env = getenv("KB_SHIM_RSS");
            want_rss = env && *env == '1';
        }
        /* A mapping of its own, not the program's heap: a block this
         * size from malloc would sit where the program's next allocations
         * go (the kiosk asks for huge pages there), and change them. */
        if (!frames) {
            void *m = mmap(NULL, MAX_FRAMES * sizeof *frames, PROT_READ | PROT_WRITE,
                           MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            frames = m == MAP_FAILED ? NULL : m;
        }
        if (frames && n_frames < MAX_FRAMES)
            frames[n_frames++] = (rec){clear_at,
                                       in,
                                       out,
                                       cpu_out - clear_cpu,
                                       want_rss ? rss_kb() : -1,
                                       clear_ns,
                                       fill_ns,
                                       faults_out - clear_faults,
                                       frame_pre_last,
                                       frame_pre_cpu,
                                       ttf_count,
                                       img_count,
                                       frame_pre_ttf,
                                       frame_pre_img};
    }
    clear_at = -1;
    ttf_count = img_count = 0;
    present_cpu = clock_ns(CLOCK_THREAD_CPUTIME_ID);
}

/* A text rendered or a picture decoded: in the frame, or between frames. */
static void count_in_frame(int *in_frame, int *between)
{
    if (clear_at >= 0) {
        (*in_frame)++;
    } else {
        (*between)++;
        pre_last = now_ns();
    }
}

SDL_Surface *TTF_RenderUTF8_Blended(TTF_Font *f, const char *s, SDL_Color c)
{
    static SDL_Surface *(*real)(TTF_Font *, const char *, SDL_Color);
    if (!real)
        real = (SDL_Surface * (*)(TTF_Font *, const char *, SDL_Color))
            next_sym("TTF_RenderUTF8_Blended");
    SDL_Surface *r = real(f, s, c);
    count_in_frame(&ttf_count, &pre_ttf);
    return r;
}

SDL_Surface *TTF_RenderUTF8_Blended_Wrapped(TTF_Font *f, const char *s, SDL_Color c, Uint32 wrap)
{
    static SDL_Surface *(*real)(TTF_Font *, const char *, SDL_Color, Uint32);
    if (!real)
        real = (SDL_Surface * (*)(TTF_Font *, const char *, SDL_Color, Uint32))
            next_sym("TTF_RenderUTF8_Blended_Wrapped");
    SDL_Surface *r = real(f, s, c, wrap);
    count_in_frame(&ttf_count, &pre_ttf);
    return r;
}

/* SDL_image's, declared here: the shim takes SDL's headers only. */
SDL_Surface *IMG_Load_RW(SDL_RWops *src, int freesrc);

SDL_Surface *IMG_Load_RW(SDL_RWops *src, int freesrc)
{
    static SDL_Surface *(*real)(SDL_RWops *, int);
    if (!real)
        real = (SDL_Surface * (*)(SDL_RWops *, int)) next_sym("IMG_Load_RW");
    SDL_Surface *r = real(src, freesrc);
    count_in_frame(&img_count, &pre_img);
    return r;
}

__attribute__((destructor)) static void dump(void)
{
    if (!frames || n_frames == 0)
        return;
    size_t cap = (size_t)n_frames * 300 + 1, len = 0;
    char *buf = malloc(cap);
    if (!buf)
        return;
    for (int i = 0; i < n_frames; i++)
        len += (size_t)snprintf(buf + len, cap - len,
                                "frame clear=%lld present_in=%lld present_out=%lld ttf=%d cpu=%lld"
                                " rss_kb=%lld clear_ns=%lld fill_ns=%lld faults=%lld img=%d"
                                " pre_ttf=%d pre_img=%d pre_last=%lld pre_cpu=%lld\n",
                                (long long)frames[i].clear, (long long)frames[i].in,
                                (long long)frames[i].out, frames[i].ttf, (long long)frames[i].cpu,
                                (long long)frames[i].rss_kb, (long long)frames[i].clear_ns,
                                (long long)frames[i].fill_ns, (long long)frames[i].faults,
                                frames[i].img, frames[i].pre_ttf, frames[i].pre_img,
                                (long long)frames[i].pre_last, (long long)frames[i].pre_cpu);
    put(buf, len);
    free(buf);
}
