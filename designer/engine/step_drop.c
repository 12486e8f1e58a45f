/* conveyor-step-drop: the last step of a sandboxed step's start under a root server.

   Usage: conveyor-step-drop UID GID -- PROGRAM [ARG...]

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
   costs more than a millisecond of every step's start (docs/security.md). */

#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

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

int main(int argc, char **argv) {
    if (argc < 5 || strcmp(argv[3], "--") != 0) {
        fprintf(stderr, "usage: conveyor-step-drop UID GID -- PROGRAM [ARG...]\n");
        return 126;
    }
    uid_t uid = (uid_t)parse_id(argv[1], "the uid must be a number above 0");
    gid_t gid = (gid_t)parse_id(argv[2], "the gid must be a number above 0");

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
    execv(argv[4], argv + 4);
    fprintf(stderr, "conveyor-step-drop: %s: %s\n", argv[4], strerror(errno));
    return 127;
}
