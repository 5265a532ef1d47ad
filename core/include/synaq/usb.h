/*
 * usb.h - USB sticks: finding them, what is on them, and the technician's
 * work with them: importing exam bundles, carrying results out and
 * central's acknowledgements back, and enrolling a station.
 *
 * A stick's layout (Synaq's names all under STICK/synaq/, but bundles may
 * also lie at the top, where people copy files):
 *
 *   STICK/NAME.sqb, STICK/synaq/NAME.sqb, STICK/synaq/bundles/NAME.sqb
 *                                          exam bundles
 *   STICK/synaq/central.pub                central's public keys, for new stations
 *   STICK/synaq/enrol/FP.req               a station's enrolment request (FP: the
 *                                          fingerprint of its signing key)
 *   STICK/synaq/enrol/FP.cert              the certificate central issued for it
 *   STICK/synaq/ID/outgoing/NAME.sqbatch   results of station ID, in the network
 *   STICK/synaq/ID/outgoing/MANIFEST.sha256  format, and their sha256 sums
 *   STICK/synaq/ID/acks/NAME.ack           central's signed acknowledgements
 *
 * Nothing on a stick is trusted. Every folder and file is opened relative
 * to the stick, one name at a time, without following symbolic links, so
 * no name on the stick leads outside it; names starting with a dot are
 * ignored. Only regular files are read, each with a cap, and each is
 * checked to have kept its size and to still be there once read (a stick
 * pulled out midway). Files are written under temp names, fsynced,
 * renamed, and their folders fsynced before anything says the stick may
 * be removed.
 *
 * Messages in reports and errors are English sentences for logs and the
 * command line; the kiosk shows its own texts from the status codes.
 */
#ifndef SYNAQ_USB_H
#define SYNAQ_USB_H

#include <stdbool.h>
#include "keys.h"
#include "store.h"

/* Where sticks are mounted, unless configured otherwise. */
#define SQ_USB_ROOTS "/media:/run/media:/mnt"
#define SQ_USB_MAX_STICKS 16

/* A stick (or a folder standing in for one). */
typedef struct {
    char path[1024];
    char name[128];     /* its folder's name, for people (printable UTF-8) */
    bool mounted;       /* a mount point; false: a folder with Synaq files in it */
} sq_usb_stick;

/* Looks for sticks under roots (folders separated by ':'; NULL means
 * SQ_USB_ROOTS). A folder right under a root, or one further down
 * (/media/USER/LABEL), counts when it is a mount point or holds Synaq
 * files (a synaq folder, or NAME.sqb files); so does a root that is itself a mount
 * point. Roots that do not exist are passed over; symbolic links are not
 * followed. Fills up to max entries of out, sorted by path; *n gets how
 * many. Polling this every second or two is cheap (a few stat calls). */
sq_status sq_usb_find(const char *roots, sq_usb_stick *out, size_t max, size_t *n,
                      sq_err *err) SQ_MUST_CHECK;

typedef enum {
    SQ_USB_BUNDLE,
    SQ_USB_CENTRAL_PUB,
    SQ_USB_REQUEST,
    SQ_USB_CERT,
    SQ_USB_BATCH,   /* this station's results, exported earlier */
    SQ_USB_ACK,     /* acknowledgements for this station */
    SQ_USB_UPDATE,  /* signed software updates (synaq/updates/NAME.squ; update.h) */
    SQ_USB_KINDS
} sq_usb_kind;

/* A file found on a stick. */
typedef struct {
    sq_usb_kind kind;
    char name[512];       /* its path on the stick, "synaq/ui-001/acks/x.ack" (printable) */
    int64_t size_bytes;
    sq_status problem;    /* SQ_OK when it looks usable; else why it will be skipped */
    char why[256];
} sq_usb_file;

typedef struct {
    size_t n;
    sq_usb_file *files;          /* sorted by name */
    int count[SQ_USB_KINDS];     /* files of each kind that look usable */
    int problems;                /* files that will be skipped */
} sq_usb_list;

/* What is on the stick, by a look at names, sizes and the first bytes
 * (signatures are checked only when a file is used). station_id (may be
 * NULL) names the folder of this station's results and acknowledgements.
 * Caller frees with sq_usb_list_free. */
sq_status sq_usb_files(const char *stick, const char *station_id, sq_usb_list *out,
                       sq_err *err) SQ_MUST_CHECK;
void sq_usb_list_free(sq_usb_list *l);

#define SQ_USB_MAX_NOTES 24

/* One file's story in a report. */
typedef struct {
    char file[256];     /* its path on the stick */
    sq_status code;     /* SQ_EWRONGSTATION, SQ_EAUTH, SQ_ETOOBIG, ... */
    char text[400];
} sq_usb_note;

/* What an import, export or reading of acknowledgements did. */
typedef struct {
    int files;          /* files looked at */
    int done;           /* bundles that brought something new; batches written;
                           acknowledgements accepted */
    int same;           /* bundles already installed: nothing to do */
    int others;         /* bundles for other stations: passed over */
    int skipped;        /* files refused, each with a note */
    int exams, items;   /* installed by an import */
    int results;        /* exported; or newly marked sent by acknowledgements */
    int renumbered;     /* central's signed conflicts that renumbered results (noted) */
    bool stick_gone;    /* stopped: the stick went away or changed under us */
    bool cancelled;     /* stopped when asked to (sq_usb_stop), between files */
    char dir[1200];     /* an export's folder */
    int n_notes;        /* the first SQ_USB_MAX_NOTES notes are kept */
    sq_usb_note notes[SQ_USB_MAX_NOTES];
} sq_usb_report;

/* Imports every bundle on the stick, oldest name first, each verified and
 * then installed all or nothing (sq_import_file). Bundles for other
 * stations are passed over (rep->others), ones already installed change
 * nothing (rep->same); files that are too big, no bundles, altered,
 * older than what is installed or unreadable are skipped with a note.
 * If the stick goes away (a file vanishes, shrinks or cannot be read),
 * the bundle being read is not imported and the import stops: SQ_EIO,
 * rep->stick_gone. A failure of the store itself (full, busy) stops it
 * too. pr is told bytes: reading, then installing. */
sq_status sq_usb_import(sq_store *s, const char *stick, const sq_progress *pr,
                        sq_usb_report *rep, sq_err *err) SQ_MUST_CHECK;

/* Writes the pending results to STICK/synaq/ID/outgoing as batches in
 * exactly the network format (up to 50 results a batch), with
 * MANIFEST.sha256, all fsynced; notes in the store that the results were
 * carried out; then removes older batch files there (every result still
 * pending is in the new ones). Marks nothing sent: the results stay
 * pending until an acknowledgement comes back. On any failure (a full or
 * read-only stick: SQ_EFULL, SQ_EREADONLY; a store that cannot note it)
 * the files of this run are removed, the manifest that was there comes
 * back, and nothing is noted. pr is told results written. */
sq_status sq_usb_export(sq_store *s, const sq_station_keys *k, const char *stick,
                        const sq_progress *pr, sq_usb_report *rep, sq_err *err) SQ_MUST_CHECK;

/* A way to stop an import or an export midway, from another thread: fn
 * (with ctx) is asked between files whether to stop, and must be safe to
 * call from the thread running the action. A NULL sq_usb_stop, or a NULL
 * fn, never stops. */
typedef struct {
    bool (*fn)(void *ctx);
    void *ctx;
} sq_usb_stop;

/* sq_usb_import, stoppable: asked before each bundle, so a bundle is
 * installed whole or not at all; the bundles installed before the stop
 * stay, the rest are not read. A stopped import returns SQ_OK with
 * rep->cancelled (rep->done says how many bundles it brought). */
sq_status sq_usb_import_stoppable(sq_store *s, const char *stick, const sq_progress *pr,
                                  const sq_usb_stop *stop, sq_usb_report *rep,
                                  sq_err *err) SQ_MUST_CHECK;

/* sq_usb_export, stoppable: asked after each batch written and before the
 * manifest; a stop takes back this run's files as a failure does (the
 * earlier export stays as it was, the store notes nothing) and returns
 * SQ_OK with rep->cancelled, rep->done and rep->results 0. */
sq_status sq_usb_export_stoppable(sq_store *s, const sq_station_keys *k, const char *stick,
                                  const sq_progress *pr, const sq_usb_stop *stop,
                                  sq_usb_report *rep, sq_err *err) SQ_MUST_CHECK;

/* Reads central's acknowledgements in STICK/synaq/ID/acks and marks sent
 * the results they name. Forged or altered ones, and ones meant for
 * another station, are refused with a note and mark nothing. */
sq_status sq_usb_read_acks(sq_store *s, const sq_station_keys *k, const char *stick,
                           sq_usb_report *rep, sq_err *err) SQ_MUST_CHECK;

/* What the audit log says of an import, export or reading of
 * acknowledgements (st and why: how the call ended): its action's name
 * ("import-usb", "export-usb", "read-acks"), a detail written into
 * detail (cap bytes) with the counts, and the outcome to log, which is
 * returned: st, or for a run that went through but refused files
 * SQ_EINVAL (bundles) or SQ_EAUTH (acknowledgements). why may be NULL. */
typedef enum { SQ_USB_IMPORT, SQ_USB_EXPORT, SQ_USB_ACKS } sq_usb_action;
const char *sq_usb_action_name(sq_usb_action act);
sq_status sq_usb_summary(sq_usb_action act, const char *stick, sq_status st, const sq_err *why,
                         const sq_usb_report *r, char *detail, size_t cap);

/* Enrolment by stick, on the station: one step a call.
 *   - No key file at keys_path: makes the station's keys, trusting the
 *     central keys in STICK/synaq/central.pub (compare the fingerprint it
 *     reports with central's), and writes the request to the stick.
 *   - Keys without a certificate, and a certificate for them on the
 *     stick: installs it (checked against the trusted central key).
 *   - Keys without a certificate, none on the stick: writes the request
 *     (again).
 *   - An enrolled station: SQ_ESTATE, nothing done. */
typedef enum { SQ_ENROL_REQUESTED, SQ_ENROL_INSTALLED } sq_enrol_step;

typedef struct {
    sq_enrol_step step;
    bool keys_made;                           /* this call made the keys */
    char station_fp[SQ_FINGERPRINT_LEN + 1];  /* the station's signing key */
    char central_fp[SQ_FINGERPRINT_LEN + 1];  /* the central key trusted */
    char request[512];                        /* where the request went, on the stick */
    sq_cert cert;                             /* SQ_ENROL_INSTALLED: what was installed */
} sq_enrol_report;

sq_status sq_usb_enrol(const char *keys_path, const char *passphrase, const char *stick,
                       const char *label, sq_enrol_report *rep, sq_err *err) SQ_MUST_CHECK;

/* Central's side: the request at STICK/synaq/enrol/FP.req named by fp
 * (NULL: the only one there without a certificate beside it) becomes a
 * certificate for station_id of district, written to cert_path (refusing
 * to overwrite) and beside the request on the stick as FP.cert. */
sq_status sq_usb_enrol_answer(const sq_central_keys *k, const char *stick, const char *fp,
                              const char *station_id, const char *district,
                              const char *cert_path, sq_cert *cert, sq_err *err) SQ_MUST_CHECK;

/* Writes buf as STICK/dir/name (dir made when missing, "" the top), the
 * safe way described above, fsynced with its folder. For central's tools
 * putting files on a stick. */
sq_status sq_usb_put(const char *stick, const char *dir, const char *name, const void *buf,
                     size_t len, sq_err *err) SQ_MUST_CHECK;

/* ---- sticks mounted by synaq-stick-mount (units/README.md, "Sticks") ----
 *
 * On a station the sticks are mounted by root's helper, read-only, under
 * /media/synaq-DISK; what it decided for each stick plugged in (the
 * partition used, a stick it would not mount and why) is in a state
 * folder, one file a disk. */
#define SQ_STICK_STATE_DIR "/run/synaq-sticks"
/* The request folder under the station's home (see sq_usb_writable). */
#define SQ_STICK_REQUESTS "stick-rw"
#define SQ_USB_MAX_MOUNT_NOTES 8

typedef enum {
    SQ_STICK_MOUNTED,       /* mounted at mount */
    SQ_STICK_NOFS,          /* no file system at all (a new or wiped stick) */
    SQ_STICK_UNSUPPORTED,   /* a file system Synaq does not mount (fs says which) */
    SQ_STICK_FAILED         /* FAT32, exFAT or NTFS that would not mount: damaged */
} sq_stick_state;

typedef struct {
    char disk[32];          /* the kernel's name: "sdb" */
    sq_stick_state state;
    char fs[16];            /* "vfat", "exfat", "ntfs", or what was found; "" none */
    int partitions;         /* on the stick; 0: a file system on the whole disk */
    int partition;          /* the one used, from 1; 0: the whole disk, or none */
    bool rw;                /* mounted read-write just now */
    bool rw_refused;        /* the last read-write asked for could not be had */
    char mount[256];        /* SQ_STICK_MOUNTED: the folder */
} sq_usb_mount_note;

/* Reads the helper's state files in dir (NULL: SQ_STICK_STATE_DIR), up to
 * max, sorted by disk. A missing folder is no sticks (SQ_OK, *n 0); a
 * file that is not the helper's is passed over. */
sq_status sq_usb_mount_notes(const char *dir, sq_usb_mount_note *out, size_t max, size_t *n,
                             sq_err *err) SQ_MUST_CHECK;

/* An export or an enrolment writes to the stick. A stick that is already
 * writable (a folder, a desktop's mount) is left as it is (*asked false).
 * A read-only one the helper mounted (STICK is .../synaq-DISK) is asked
 * for: an empty file synaq-DISK in req_dir (made, mode 2770, when
 * missing), which synaq-stick-rw.path hands to root's helper; then this
 * waits, polling every 50 ms, until the stick is writable (*asked true),
 * at most timeout_ms, or until stop says so, the helper's state_dir (NULL:
 * SQ_STICK_STATE_DIR) says it refused, or the stick went away.
 * SQ_EREADONLY for a stick that stays read-only (the request taken back),
 * SQ_EIO when it went away. sq_usb_writable_done takes the request back
 * (the helper mounts the stick read-only again); call it after the
 * writing whenever *asked. */
sq_status sq_usb_writable(const char *stick, const char *req_dir, const char *state_dir,
                          int timeout_ms, const sq_usb_stop *stop, bool *asked,
                          sq_err *err) SQ_MUST_CHECK;
void sq_usb_writable_done(const char *stick, const char *req_dir);

#endif
