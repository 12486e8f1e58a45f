/* conveyor-step-drop: the last step of a sandboxed step's start under a root server.

   Usage: conveyor-step-drop UID GID -- PROGRAM [ARG...]
          conveyor-step-drop --standby FD

   bubblewrap, run by root without a user namespace, has set up the step's namespaces and
   mounts and executes this (through a descriptor the worker passes it, see
   designer/engine/sandbox.py). It becomes UID:GID for good and executes PROGRAM:
   - no supplementary groups; real, effective, saved (and so file-system) uid and gid;
   - no capabilities at all: the bounding set is emptied while it still may, the ambient
     set cleared, then effective, permitted and inheritable cleared with capset (the uid
     change already cleared the first two; this does not rely on that);
   - no_new_privs, so no set-uid file or file capability gives anything back;
   - no open descriptor but 0, 1 and 2 (bubblewrap passes on every descriptor it got,
     this program's own included).
   It refuses uid or gid 0, checks every call, and verifies the result before PROGRAM
   runs; any failure ends it with a message and exit code 126, and PROGRAM never runs.

   What util-linux's `setpriv --reuid --regid --clear-groups --inh-caps=-all
   --bounding-set=-all --no-new-privs` does, which the runtime uses when this program is
   not built. Built statically by `make install` because a dynamically linked setpriv
   costs more than a millisecond of every step's start (docs/security.md).

   --standby FD: a sandbox made before its step is known (designer/engine/standby.py).
   bubblewrap has made the namespaces, the OS mounts, /proc, /dev and the private tmpfs
   mounts, but no step folder, and left the root writable. This waits on FD, a Unix
   socket whose other end only the worker holds, for one request: a header (payload
   length, number of mounts) carrying the step's folders as detached mounts (SCM_RIGHTS,
   made and locked read-only or nosuid/nodev by the worker), then the payload, NUL
   separated: UID, GID, working directory, one target per mount, the number of argv
   words, the words, and the environment. It moves each mount to its target (parents
   first, as the worker sorted them), remounts the root read-only, changes to the working
   directory, drops root exactly as above and executes argv with that environment (only
   that: bubblewrap got none). A malformed request or any failed call ends it with 126. */

#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <arpa/inet.h>
#include <stdint.h>
#include <unistd.h>

#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#ifndef SYS_move_mount
#define SYS_move_mount 429
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#endif

#define STANDBY_MAX_MOUNTS 250     /* Below the kernel's SCM_MAX_FD (253). */
#define STANDBY_MAX_PAYLOAD (16U << 20)

static void fail(const char *what) {
    fprintf(stderr, "conveyor-step-drop: %s: %s\n", what, errno ? strerror(errno) : "refused");
    _exit(126);
}

static unsigned long parse_id(const char *text, const char *what) {
    char *end = NULL;
    errno = 0;
    if (text[0] < '0' || text[0] > '9') {
        fail(what);
    }
    unsigned long value = strtoul(text, &end, 10);
    if (errno != 0 || *end != '\0' || value == 0 || value >= 0xFFFFFFFFUL) {
        errno = 0;
        fail(what);
    }
    return value;
}

static void drop_bounding_set(void) {
    for (int cap = 0;; cap++) {
        int present = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
        if (present < 0) {
            if (errno == EINVAL && cap > CAP_SETPCAP) {
                return; /* Past the kernel's last capability. */
            }
            fail("prctl(PR_CAPBSET_READ)");
        }
        if (present && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0) {
            fail("prctl(PR_CAPBSET_DROP)");
        }
    }
}

static void clear_capabilities(void) {
    struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[2];
    memset(data, 0, sizeof data);
    if (syscall(SYS_capset, &header, data) != 0) {
        fail("capset");
    }
    memset(data, 0xff, sizeof data);
    if (syscall(SYS_capget, &header, data) != 0) {
        fail("capget");
    }
    for (int i = 0; i < 2; i++) {
        if (data[i].effective || data[i].permitted || data[i].inheritable) {
            errno = 0;
            fail("capabilities left after capset");
        }
    }
}

static void close_inherited(void) {
    /* Marked close-on-exec rather than closed: this program's own descriptor may be
       among them, and the kernel still reads the program through it until exec. */
    if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) == 0) {
        return;
    }
    DIR *dir = opendir("/proc/self/fd"); /* Kernels before 5.11. */
    if (dir == NULL) {
        fail("opendir(/proc/self/fd)");
    }
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL) {
        int fd = atoi(entry->d_name);
        if (fd > 2 && fd != dirfd(dir) && fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) {
            fail("fcntl(FD_CLOEXEC)");
        }
    }
    closedir(dir);
}

/* Becomes uid:gid with no capability, no group, no_new_privs and only 0-2 open, then
   executes path with argv and envp (the current environment when envp is NULL). */
static void drop_and_exec(uid_t uid, gid_t gid, char **argv, char **envp) {
    drop_bounding_set(); /* Needs CAP_SETPCAP, so before the uid change. */
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL) {
        fail("prctl(PR_CAP_AMBIENT_CLEAR_ALL)");
    }
    if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0) {
        fail("prctl(PR_SET_KEEPCAPS)");
    }
    if (setgroups(0, NULL) != 0) {
        fail("setgroups");
    }
    if (setresgid(gid, gid, gid) != 0) {
        fail("setresgid");
    }
    if (setresuid(uid, uid, uid) != 0) {
        fail("setresuid");
    }
    clear_capabilities();
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        fail("prctl(PR_SET_NO_NEW_PRIVS)");
    }

    uid_t ruid, euid, suid;
    gid_t rgid, egid, sgid;
    if (getresuid(&ruid, &euid, &suid) != 0 || getresgid(&rgid, &egid, &sgid) != 0) {
        fail("getresuid");
    }
    errno = 0;
    if (ruid != uid || euid != uid || suid != uid || rgid != gid || egid != gid ||
        sgid != gid || getgroups(0, NULL) != 0) {
        fail("the identity did not change");
    }
    if (setuid(0) == 0 || prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1) {
        errno = 0;
        fail("root could be regained");
    }
    close_inherited();
    if (envp != NULL) {
        execve(argv[0], argv, envp);
    } else {
        execv(argv[0], argv);
    }
    fprintf(stderr, "conveyor-step-drop: %s: %s\n", argv[0], strerror(errno));
    _exit(127);
}

static void read_fully(int fd, char *buffer, size_t size) {
    size_t done = 0;
    while (done < size) {
        ssize_t got = read(fd, buffer + done, size - done);
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got <= 0) {
            if (got == 0) {
                errno = 0;
            }
            fail("standby: the request ended early");
        }
        done += (size_t)got;
    }
}

/* The next NUL-terminated field of the payload, or a failure past its end. */
static char *next_field(char **cursor, char *end) {
    char *field = *cursor;
    char *nul = field < end ? memchr(field, '\0', (size_t)(end - field)) : NULL;
    if (nul == NULL) {
        errno = 0;
        fail("standby: malformed request");
    }
    *cursor = nul + 1;
    return field;
}

static unsigned long parse_count(const char *text, unsigned long most) {
    char *end = NULL;
    errno = 0;
    unsigned long value = strtoul(text, &end, 10);
    if (text[0] < '0' || text[0] > '9' || errno != 0 || *end != '\0' || value > most) {
        errno = 0;
        fail("standby: malformed request");
    }
    return value;
}

/* mkdir -p inside the sandbox's root (a tmpfs only this process sees yet). */
static void make_dirs(char *path) {
    for (char *slash = strchr(path + 1, '/');; slash = strchr(slash + 1, '/')) {
        if (slash != NULL) {
            *slash = '\0';
        }
        if (mkdir(path, 0755) != 0 && errno != EEXIST) {
            fail("standby: mkdir");
        }
        if (slash == NULL) {
            return;
        }
        *slash = '/';
    }
}

static void valid_target(const char *path) {
    errno = 0;
    if (path[0] != '/' || strcmp(path, "/") == 0 || strstr(path, "/../") != NULL ||
        strstr(path, "/./") != NULL || strstr(path, "//") != NULL) {
        fail("standby: a mount target is not a clean absolute path");
    }
    size_t length = strlen(path);
    if (path[length - 1] == '/' || (length >= 3 && strcmp(path + length - 3, "/..") == 0) ||
        (length >= 2 && strcmp(path + length - 2, "/.") == 0)) {
        fail("standby: a mount target is not a clean absolute path");
    }
}

static void standby(const char *fd_text) {
    int sock = (int)parse_count(fd_text, 1U << 20);
    uint32_t header[2];
    union {
        char buffer[CMSG_SPACE(sizeof(int) * STANDBY_MAX_MOUNTS)];
        struct cmsghdr align;
    } control;
    struct iovec vector = {header, sizeof header};
    struct msghdr message = {0};
    message.msg_iov = &vector;
    message.msg_iovlen = 1;
    message.msg_control = control.buffer;
    message.msg_controllen = sizeof control.buffer;
    ssize_t got;
    do {
        got = recvmsg(sock, &message, MSG_WAITALL | MSG_CMSG_CLOEXEC);
    } while (got < 0 && errno == EINTR);
    if (got == 0) {
        _exit(0); /* The worker let this standby go unused. */
    }
    if (got != (ssize_t)sizeof header) {
        fail("standby: recvmsg");
    }
    errno = 0;
    if (message.msg_flags & (MSG_CTRUNC | MSG_TRUNC)) {
        fail("standby: too many mounts");
    }
    size_t length = ntohl(header[0]);
    size_t mounts = ntohl(header[1]);
    int *fds = NULL;
    size_t received = 0;
    struct cmsghdr *cmsg = CMSG_FIRSTHDR(&message);
    if (cmsg != NULL) {
        if (cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS ||
            CMSG_NXTHDR(&message, cmsg) != NULL) {
            fail("standby: unexpected control message");
        }
        fds = (int *)CMSG_DATA(cmsg);
        received = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    }
    if (received != mounts || length == 0 || length > STANDBY_MAX_PAYLOAD) {
        fail("standby: malformed request");
    }
    char *payload = malloc(length);
    if (payload == NULL) {
        fail("standby: malloc");
    }
    read_fully(sock, payload, length);
    char *cursor = payload, *end = payload + length;
    uid_t uid = (uid_t)parse_id(next_field(&cursor, end), "the uid must be a number above 0");
    gid_t gid = (gid_t)parse_id(next_field(&cursor, end), "the gid must be a number above 0");
    char *cwd = next_field(&cursor, end);
    mode_t umask_was = umask(022); /* Made folders are 0755, as bwrap's --perms 0755 --dir. */
    for (size_t i = 0; i < mounts; i++) {
        char *target = next_field(&cursor, end);
        valid_target(target);
        struct stat source;
        if (fstat(fds[i], &source) != 0) {
            fail("standby: fstat");
        }
        if (S_ISDIR(source.st_mode)) {
            make_dirs(target);
        } else { /* A file is mounted on a file, as bwrap does: make its parents and it. */
            char *slash = strrchr(target, '/');
            if (slash != target) {
                *slash = '\0';
                make_dirs(target);
                *slash = '/';
            }
            struct stat existing;
            if (lstat(target, &existing) != 0) {
                int made = open(target, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
                if (made < 0) {
                    fail("standby: create a file to mount on");
                }
                close(made);
            }
        }
        if (syscall(SYS_move_mount, fds[i], "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) != 0) {
            fail("standby: move_mount");
        }
        close(fds[i]);
    }
    umask(umask_was);
    /* The root tmpfs read-only, as bubblewrap's --remount-ro / leaves it. */
    if (mount("none", "/", NULL, MS_SILENT | MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV,
              NULL) != 0) {
        fail("standby: remount / read-only");
    }
    if (chdir(cwd) != 0) {
        fail("standby: chdir");
    }
    size_t words = parse_count(next_field(&cursor, end), 1U << 20);
    char **argv = calloc(words + 1, sizeof(char *));
    size_t room = 64, count = 0;
    char **envp = calloc(room, sizeof(char *));
    if (argv == NULL || envp == NULL || words == 0) {
        fail("standby: malformed request");
    }
    for (size_t i = 0; i < words; i++) {
        argv[i] = next_field(&cursor, end);
    }
    while (cursor < end) {
        if (count + 1 >= room) {
            room *= 2;
            envp = realloc(envp, room * sizeof(char *));
            if (envp == NULL) {
                fail("standby: malloc");
            }
        }
        envp[count++] = next_field(&cursor, end);
    }
    envp[count] = NULL;
    close(sock);
    drop_and_exec(uid, gid, argv, envp);
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "--standby") == 0) {
        standby(argv[2]);
    }
    if (argc < 5 || strcmp(argv[3], "--") != 0) {
        fprintf(stderr, "usage: conveyor-step-drop UID GID -- PROGRAM [ARG...]\n"
                        "       conveyor-step-drop --standby FD\n");
        return 126;
    }
    uid_t uid = (uid_t)parse_id(argv[1], "the uid must be a number above 0");
    gid_t gid = (gid_t)parse_id(argv[2], "the gid must be a number above 0");
    drop_and_exec(uid, gid, argv + 4, NULL);
    return 127;
}
