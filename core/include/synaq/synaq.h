/*
 * synaq.h - the common face of libsynaq: status codes, error messages,
 * the injectable clock and library start-up.
 *
 * Every fallible function of the library returns an sq_status and, when
 * given a non-NULL sq_err, fills it with a sentence that says what went
 * wrong ("bundle signature does not match central key 3f2a..."). The
 * sq_err is the caller's; the library never allocates it.
 */
#ifndef SYNAQ_SYNAQ_H
#define SYNAQ_SYNAQ_H

#include <stddef.h>
#include <stdint.h>

#define SQ_MUST_CHECK __attribute__((warn_unused_result))

typedef enum {
    SQ_OK = 0,
    SQ_EINVAL,    /* bad argument, or input that does not follow its format */
    SQ_EIO,       /* a file or device could not be read or written */
    SQ_ECORRUPT,  /* a file is damaged or is not what it claims to be */
    SQ_EAUTH,     /* a signature, MAC or passphrase did not check out */
    SQ_ENOTFOUND, /* the thing asked for does not exist */
    SQ_EFULL,     /* the disk or the database is full */
    SQ_ENOMEM,    /* out of memory */
    SQ_EEXIST,    /* refused to overwrite something that exists */
    SQ_ESTALE,    /* older than what is installed */
    SQ_EREADONLY, /* the store cannot be written */
    SQ_ETOOBIG,   /* input above a hard cap (decompression bombs included) */
    SQ_EWRONGSTATION, /* meant for another station */
    SQ_EBUSY,     /* another process holds the store */
    SQ_ESTATE,    /* the call does not fit the object's state */
    SQ_ENET       /* the network failed */
} sq_status;

/* A filled-in error: the status and a human sentence. */
typedef struct {
    sq_status code;
    char msg[512];
} sq_err;

/* Short name of a status ("corrupt", "auth", ...). Static string. */
const char *sq_status_name(sq_status st);

/* Initialises libsodium. Call once before anything else; safe to repeat. */
sq_status sq_init(sq_err *err) SQ_MUST_CHECK;

/* Library version string, for example "0.1.0". Static string. */
const char *sq_version(void);

/* The station's store (store.h), named here because the modules below
 * the one that opens it (its records' chains, chain.h) take it too. */
typedef struct sq_store sq_store;

/*
 * The clock. The store and attempts never read the time themselves: they
 * ask the clock given to the store (only the creation stamps of keys,
 * certificates and bundles at central use the system clock). mono_ms is monotonic (never jumps, counts from an
 * arbitrary origin, may restart at boot); wall_s is the wall clock in
 * seconds since the epoch, recorded but never trusted.
 */
typedef struct sq_clock {
    int64_t (*mono_ms)(void *ctx);
    int64_t (*wall_s)(void *ctx);
    void *ctx;
} sq_clock;

/* The real clocks (CLOCK_MONOTONIC and CLOCK_REALTIME). */
const sq_clock *sq_clock_system(void);

/* Writes a file that must survive a power cut: a temp name in the same
 * folder, fsync, rename, fsync of the folder. SQ_EFULL when the disk is
 * full; the old file (if any) is untouched on failure. buf is borrowed.
 * In a folder with the setgid bit, the group gets the owner's rights too
 * (a station's home shared by the kiosk and the sync daemon). */
sq_status sq_write_file(const char *path, const void *buf, size_t len, int mode,
                        sq_err *err) SQ_MUST_CHECK;

/* Progress of a long task, for a progress bar: fn is called now and then,
 * from the caller's own thread, with the work done so far and the whole
 * (in units of the task's choosing; done never goes down). A NULL
 * sq_progress, or a NULL fn, asks for no reports. */
typedef struct {
    void (*fn)(void *ctx, int64_t done, int64_t total);
    void *ctx;
} sq_progress;

/* The length of the longest prefix of the UTF-8 text s that is at most
 * max bytes and does not end inside a character: where to cut s so that
 * what is kept stays valid UTF-8. */
size_t sq_utf8_prefix(const char *s, size_t max);

/* The well-formed UTF-8 character at s (at most len bytes): its length (1
 * to 4) with the code point in *cp, or 0 for a byte that does not start
 * one (a stray continuation, an overlong form, a surrogate, anything
 * above U+10FFFF, a character cut short by len). */
size_t sq_utf8_next(const char *s, size_t len, uint32_t *cp);

/* Reads a whole file of at most max_bytes, refused (SQ_ETOOBIG) rather
 * than cut when it is larger; SQ_EIO when it is missing, unreadable or not
 * a regular file. Caller owns *buf (sq_free), which has a NUL byte after
 * its *len bytes, so a text file reads as a string. */
sq_status sq_file_read(const char *path, size_t max_bytes, uint8_t **buf, size_t *len,
                       sq_err *err) SQ_MUST_CHECK;

/* Whether id is a station id as enrolment makes them: 1 to 64 of
 * [A-Za-z0-9._-], not starting with a dot (an id names a folder on sticks
 * and under central's bundles). */
#include <stdbool.h>
bool sq_station_id_valid(const char *id);

/* Keeps this process's secrets out of core files and away from other
 * processes of its user: not dumpable (no core file; no ptrace or
 * /proc/PID/mem by the same user) and a core size limit of 0. Every
 * station program calls it first. Keys live in libsodium's guarded
 * memory (sodium_malloc: locked, and left out of core files even when
 * one is made). With SYNAQ_TEST_CORE=1 in the environment the process
 * stays dumpable, so that a test can force a core file and show that the
 * keys are not in it; it says so on stderr. */
sq_status sq_harden_process(sq_err *err) SQ_MUST_CHECK;

/* The station's key passphrase, from (in this order) the file named, the
 * systemd credential $CREDENTIALS_DIRECTORY/synaq-passphrase (from
 * LoadCredentialEncrypted=, sealed to the machine's TPM where it has
 * one), or $SYNAQ_PASSPHRASE. *out is NULL when there is none; otherwise
 * the caller owns it (guarded memory; free with sq_passphrase_free). The
 * first line of a file is taken, without its line end; an empty one is
 * no passphrase. SQ_EIO when the file named cannot be read. */
sq_status sq_passphrase_load(const char *file, char **out, sq_err *err) SQ_MUST_CHECK;
/* A copy of s in guarded memory (NULL when out of memory). */
char *sq_passphrase_dup(const char *s);
/* Wipes and frees a passphrase. NULL is a no-op. */
void sq_passphrase_free(char *p);

/* Frees memory the library handed to the caller. NULL is a no-op. */
void sq_free(void *p);

/* The languages of content and interface. */
#define SQ_LANGS "kk", "ru", "en"
#define SQ_NLANGS 3

#endif
