/*
 * faultshim.c - an LD_PRELOAD library that makes one I/O call fail, for
 * tests/faults/run-faults: SQLite's fault injection, for the logtools.
 *
 * It counts the calls of the operations named in FAULT_OPS, and makes the
 * FAULT_N'th of them (1-based) fail as FAULT_KIND says:
 *
 *	FAULT_OPS    comma list of write, pwrite, writev, fsync, fdatasync,
 *		     rename, open, ftruncate, mmap, link, unlink, mkdir and openw
 *		     (default: the first nine).  Each stands for every libc entry
 *		     that reaches it: open for open, open64, openat, openat64,
 *		     creat, __open_2 and __openat_2; pwrite for pwrite and
 *		     pwrite64; rename for rename, renameat and renameat2; and so
 *		     on.  openw is the opens that may write (O_WRONLY, O_RDWR or
 *		     O_CREAT), the only ones a full disk fails; reported as open.
 *	FAULT_N      the call to fail; 0 or unset: none (the calls are counted)
 *	FAULT_KIND   ENOSPC, EIO or EDQUOT: the call does nothing and returns -1
 *		     with that errno; short: a write, pwrite or writev of at least
 *		     2 bytes writes only the first half and returns that count
 *		     (with short, only those calls are counted); torn: the same,
 *		     and every call of the ops after it fails with EIO (a write
 *		     torn by a dying disk, whose cleanup fails too)
 *	FAULT_PERSIST  1: every matching call from the N'th on fails (a disk
 *		     that stays full), not the N'th alone
 *	FAULT_HIT    a file created when the fault fires, of "key=value" lines:
 *		     op= (the op above), call= (the libc entry), kind=, n=, fd=
 *		     (for calls on a descriptor), path= (the file, resolved
 *		     through /proc/self/fd or the directory descriptor;
 *		     "<stdout>" for descriptor 1, with target= what it is open
 *		     on), path2= (the new name, for rename and link), mode=read
 *		     or mode=write (for opens); and with FAULT_PERSIST or torn,
 *		     a line "also=OP PATH" for each later failure (200 at most)
 *	FAULT_COUNT  a file to which the number of matching calls is written
 *		     at exit
 *
 * Writes to descriptor 2 are never counted or failed, so that the error
 * message gets out.  Writes to descriptor 1 are: a failed write of the
 * output is a failure point of its own (logcat writes its output with
 * write(2); stdio's writes go through glibc's internal __write, which no
 * preloaded library sees, so logappend --print-offsets is not reached this
 * way).  The shim's own files are written with raw system calls, not
 * through the functions it replaces.
 *
 * Build: cc -shared -fPIC -O2 -o build/faultshim.so tests/faults/faultshim.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

/* ---- configuration ---------------------------------------------------------- */

enum op { OP_WRITE, OP_PWRITE, OP_WRITEV, OP_FSYNC, OP_FDATASYNC, OP_RENAME, OP_OPEN,
	  OP_FTRUNCATE, OP_MMAP, OP_LINK, OP_UNLINK, OP_MKDIR, OP_OPENW, OP_COUNT };

static const char *const op_names[OP_COUNT] = {
	"write", "pwrite", "writev", "fsync", "fdatasync", "rename", "open",
	"ftruncate", "mmap", "link", "unlink", "mkdir", "openw",
};

#define KIND_SHORT (-1)
#define KIND_TORN (-2)

enum { PASS, FAIL, HALF };	/* what decide() makes of a call */

static int ready;		/* the environment was read */
static unsigned ops_mask;	/* bit (1 << op) for the ops counted */
static long fault_n;		/* 0: never fail */
static int fault_kind;		/* an errno, KIND_SHORT or KIND_TORN */
static int persist;
static const char *hit_file, *count_file, *kind_name;
static long calls;		/* matching calls so far (atomic) */
static int hit_written;		/* (atomic) */
static int torn;		/* KIND_TORN fired: every call fails now (atomic) */

extern char **environ;

static void configure(void)
{
	const char *s;

	/* an ASan binary's preinit calls in before libc has set environ:
	 * those calls pass, uncounted */
	if (ready || !environ)
		return;
	s = getenv("FAULT_OPS");
	if (!s || !*s)
		s = "write,pwrite,writev,fsync,fdatasync,rename,open,ftruncate,mmap";
	ops_mask = 0;
	while (*s) {
		size_t n = strcspn(s, ",");
		for (int i = 0; i < OP_COUNT; i++)
			if (strlen(op_names[i]) == n && !strncmp(s, op_names[i], n))
				ops_mask |= 1u << i;
		s += n;
		if (*s == ',')
			s++;
	}
	s = getenv("FAULT_N");
	fault_n = s ? strtol(s, NULL, 10) : 0;
	kind_name = getenv("FAULT_KIND");
	if (!kind_name || !*kind_name)
		kind_name = "EIO";
	if (!strcmp(kind_name, "ENOSPC"))
		fault_kind = ENOSPC;
	else if (!strcmp(kind_name, "EDQUOT"))
		fault_kind = EDQUOT;
	else if (!strcmp(kind_name, "short"))
		fault_kind = KIND_SHORT;
	else if (!strcmp(kind_name, "torn"))
		fault_kind = KIND_TORN;
	else
		fault_kind = EIO, kind_name = "EIO";
	s = getenv("FAULT_PERSIST");
	persist = s && !strcmp(s, "1");
	hit_file = getenv("FAULT_HIT");
	count_file = getenv("FAULT_COUNT");
	ready = 1;
}

__attribute__((constructor)) static void shim_init(void)
{
	configure();
}

/* ---- the shim's own output: raw system calls ----------------------------- */

static void raw_write_file(const char *path, const char *text, size_t n, int how)
{
	int fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_WRONLY | O_CREAT | O_CLOEXEC | how,
			      0644);

	if (fd < 0)
		return;
	while (n > 0) {
		long k = syscall(SYS_write, fd, text, n);
		if (k <= 0)
			break;
		text += k;
		n -= (size_t)k;
	}
	syscall(SYS_close, fd);
}

__attribute__((destructor)) static void shim_fini(void)
{
	char text[32];
	int n;

	if (!count_file || !*count_file)
		return;
	n = snprintf(text, sizeof text, "%ld\n", __atomic_load_n(&calls, __ATOMIC_SEQ_CST));
	raw_write_file(count_file, text, (size_t)n, O_TRUNC);
}

/* What descriptor fd is open on, by /proc/self/fd. */
static void fd_target(int fd, char *out, size_t n)
{
	char link[64];
	long k;

	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	k = syscall(SYS_readlinkat, AT_FDCWD, link, out, n - 1);
	if (k < 0)
		k = snprintf(out, n, "<fd %d>", fd);
	out[k < (long)n ? k : (long)n - 1] = 0;
}

/* The path of descriptor fd, or "<stdout>" and "<stdin>" for 1 and 0. */
static void fd_path(int fd, char *out, size_t n)
{
	if (fd == 0 || fd == 1) {
		snprintf(out, n, "%s", fd ? "<stdout>" : "<stdin>");
		return;
	}
	if (fd == AT_FDCWD) {
		snprintf(out, n, ".");
		return;
	}
	fd_target(fd, out, n);
}

/* The path of name relative to dirfd. */
static void at_path(int dirfd, const char *name, char *out, size_t n)
{
	char dir[4096];

	if (!name) {
		snprintf(out, n, "<null>");
		return;
	}
	if (name[0] == '/') {
		snprintf(out, n, "%s", name);
		return;
	}
	if (dirfd == AT_FDCWD) {
		if (syscall(SYS_getcwd, dir, sizeof dir) < 0)
			snprintf(dir, sizeof dir, ".");
	} else {
		fd_path(dirfd, dir, sizeof dir);
	}
	snprintf(out, n, "%s/%s", dir, name);
}

/* Writes FAULT_HIT when the fault first fires; with FAULT_PERSIST or torn, each
 * later failure adds a line "also=OP PATH" (the first 200). */
static void report(enum op op, const char *call, int fd, const char *mode, const char *path,
		   const char *path2)
{
	static int more;
	char text[3 * 4096 + 256];
	int n;

	if (!hit_file || !*hit_file)
		return;
	if (__atomic_exchange_n(&hit_written, 1, __ATOMIC_SEQ_CST)) {
		int k = __atomic_add_fetch(&more, 1, __ATOMIC_SEQ_CST);
		if (k > 200)
			return;
		n = snprintf(text, sizeof text, "also=%s %s\n", op_names[op], path ? path : "");
		if (n >= (int)sizeof text)
			n = (int)sizeof text - 1;
		raw_write_file(hit_file, text, (size_t)n, O_APPEND);
		return;
	}
	n = snprintf(text, sizeof text, "op=%s\ncall=%s\nkind=%s\nn=%ld\n", op_names[op], call,
		     kind_name, fault_n);
	if (fd >= 0 && n < (int)sizeof text) {
		n += snprintf(text + n, sizeof text - (size_t)n, "fd=%d\n", fd);
		if (fd <= 1 && n < (int)sizeof text) {	/* what stdin or stdout is */
			char target[4096];
			fd_target(fd, target, sizeof target);
			n += snprintf(text + n, sizeof text - (size_t)n, "target=%s\n", target);
		}
	}
	if (mode && n < (int)sizeof text)
		n += snprintf(text + n, sizeof text - (size_t)n, "mode=%s\n", mode);
	if (path && n < (int)sizeof text)
		n += snprintf(text + n, sizeof text - (size_t)n, "path=%s\n", path);
	if (path2 && n < (int)sizeof text)
		n += snprintf(text + n, sizeof text - (size_t)n, "path2=%s\n", path2);
	if (n >= (int)sizeof text)
		n = (int)sizeof text - 1;
	raw_write_file(hit_file, text, (size_t)n, O_TRUNC);
}

/*
 * Counts a call of op and says what to do with it: PASS, FAIL (with
 * fail_errno()) or HALF (write half the buffer).  With short and torn only
 * writes of at least 2 bytes (len) are counted; after a torn write every
 * call of the ops fails.
 */
static int decide(enum op op, size_t len)
{
	int writes = (op == OP_WRITE || op == OP_PWRITE || op == OP_WRITEV) && len >= 2;
	long k;

	configure();
	if (!ready || !(ops_mask & (1u << op)))
		return PASS;
	if (fault_kind == KIND_SHORT || fault_kind == KIND_TORN) {
		if (__atomic_load_n(&torn, __ATOMIC_SEQ_CST))
			return FAIL;
		if (!writes)
			return PASS;
		k = __atomic_add_fetch(&calls, 1, __ATOMIC_SEQ_CST);
		if (fault_n <= 0 || k != fault_n)
			return PASS;
		if (fault_kind == KIND_TORN)
			__atomic_store_n(&torn, 1, __ATOMIC_SEQ_CST);
		return HALF;
	}
	k = __atomic_add_fetch(&calls, 1, __ATOMIC_SEQ_CST);
	return fault_n > 0 && (k == fault_n || (persist && k > fault_n)) ? FAIL : PASS;
}

static void *next_fn(const char *name)
{
	void *f = dlsym(RTLD_NEXT, name);

	if (!f) {
		static const char msg[] = "faultshim: a libc function is missing\n";
		syscall(SYS_write, 2, msg, sizeof msg - 1);
		abort();
	}
	return f;
}

#define REAL(type, name) \
	static type real_##name; \
	if (!real_##name) \
		real_##name = (type)next_fn(#name)

static int fail_errno(void)
{
	return fault_kind == KIND_TORN ? EIO : fault_kind == KIND_SHORT ? ENOMEM : fault_kind;
}

/* Fails the call with the configured errno. */
static long fail_with(void)
{
	errno = fail_errno();
	return -1;
}

/* ---- writes ------------------------------------------------------------------- */

typedef ssize_t (*write_fn)(int, const void *, size_t);
typedef ssize_t (*pwrite_fn)(int, const void *, size_t, off_t);
typedef ssize_t (*writev_fn)(int, const struct iovec *, int);

ssize_t write(int fd, const void *p, size_t n)
{
	REAL(write_fn, write);
	char path[4096];
	int what;

	if (fd == 2 || !(what = decide(OP_WRITE, n)))
		return real_write(fd, p, n);
	fd_path(fd, path, sizeof path);
	report(OP_WRITE, "write", fd, NULL, path, NULL);
	if (what == HALF)
		return real_write(fd, p, n / 2);
	return fail_with();
}

static ssize_t do_pwrite(const char *call, pwrite_fn real, int fd, const void *p, size_t n,
			 off_t off)
{
	char path[4096];
	int what;

	if (fd == 2 || !(what = decide(OP_PWRITE, n)))
		return real(fd, p, n, off);
	fd_path(fd, path, sizeof path);
	report(OP_PWRITE, call, fd, NULL, path, NULL);
	if (what == HALF)
		return real(fd, p, n / 2, off);
	return fail_with();
}

ssize_t pwrite(int fd, const void *p, size_t n, off_t off)
{
	REAL(pwrite_fn, pwrite);
	return do_pwrite("pwrite", real_pwrite, fd, p, n, off);
}

ssize_t pwrite64(int fd, const void *p, size_t n, off_t off)
{
	REAL(pwrite_fn, pwrite64);
	return do_pwrite("pwrite64", real_pwrite64, fd, p, n, off);
}

ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
	REAL(writev_fn, writev);
	struct iovec half[64];
	size_t total = 0, want;
	char path[4096];
	int i, what;

	for (i = 0; i < cnt; i++)
		total += iov[i].iov_len;
	if (fd == 2 || !(what = decide(OP_WRITEV, total)))
		return real_writev(fd, iov, cnt);
	fd_path(fd, path, sizeof path);
	report(OP_WRITEV, "writev", fd, NULL, path, NULL);
	if (what != HALF)
		return fail_with();
	/* the first half of the bytes, through the first iovecs */
	want = total / 2;
	for (i = 0; i < cnt && i < 64 && want > 0; i++) {
		half[i] = iov[i];
		if (half[i].iov_len > want)
			half[i].iov_len = want;
		want -= half[i].iov_len;
	}
	return real_writev(fd, half, i);
}

/* ---- syncs ---------------------------------------------------------------- */

typedef int (*fd_fn)(int);

int fsync(int fd)
{
	REAL(fd_fn, fsync);
	char path[4096];

	if (!decide(OP_FSYNC, 0))
		return real_fsync(fd);
	fd_path(fd, path, sizeof path);
	report(OP_FSYNC, "fsync", fd, NULL, path, NULL);
	return (int)fail_with();
}

int fdatasync(int fd)
{
	REAL(fd_fn, fdatasync);
	char path[4096];

	if (!decide(OP_FDATASYNC, 0))
		return real_fdatasync(fd);
	fd_path(fd, path, sizeof path);
	report(OP_FDATASYNC, "fdatasync", fd, NULL, path, NULL);
	return (int)fail_with();
}

/* ---- renames and links ---------------------------------------------------------- */

typedef int (*rename_fn)(const char *, const char *);
typedef int (*renameat_fn)(int, const char *, int, const char *);
typedef int (*renameat2_fn)(int, const char *, int, const char *, unsigned);
typedef int (*linkat_fn)(int, const char *, int, const char *, int);
typedef int (*unlinkat_fn)(int, const char *, int);
typedef int (*path_fn)(const char *);
typedef int (*mkdir_fn)(const char *, mode_t);
typedef int (*mkdirat_fn)(int, const char *, mode_t);

/* Whether a call on (dirfd, name) [and (dirfd2, name2)] of op fails;
 * reports it when it does. */
static int fails_at(enum op op, const char *call, int dirfd, const char *name, int dirfd2,
		    const char *name2)
{
	char a[8192], b[8192];

	if (!decide(op, 0))
		return 0;
	at_path(dirfd, name, a, sizeof a);
	if (name2)
		at_path(dirfd2, name2, b, sizeof b);
	report(op, call, -1, NULL, a, name2 ? b : NULL);
	return 1;
}

int rename(const char *from, const char *to)
{
	REAL(rename_fn, rename);
	if (fails_at(OP_RENAME, "rename", AT_FDCWD, from, AT_FDCWD, to))
		return (int)fail_with();
	return real_rename(from, to);
}

int renameat(int fd1, const char *from, int fd2, const char *to)
{
	REAL(renameat_fn, renameat);
	if (fails_at(OP_RENAME, "renameat", fd1, from, fd2, to))
		return (int)fail_with();
	return real_renameat(fd1, from, fd2, to);
}

int renameat2(int fd1, const char *from, int fd2, const char *to, unsigned flags)
{
	REAL(renameat2_fn, renameat2);
	if (fails_at(OP_RENAME, "renameat2", fd1, from, fd2, to))
		return (int)fail_with();
	return real_renameat2(fd1, from, fd2, to, flags);
}

int link(const char *from, const char *to)
{
	REAL(rename_fn, link);
	if (fails_at(OP_LINK, "link", AT_FDCWD, from, AT_FDCWD, to))
		return (int)fail_with();
	return real_link(from, to);
}

int linkat(int fd1, const char *from, int fd2, const char *to, int flags)
{
	REAL(linkat_fn, linkat);
	if (fails_at(OP_LINK, "linkat", fd1, from, fd2, to))
		return (int)fail_with();
	return real_linkat(fd1, from, fd2, to, flags);
}

int unlink(const char *name)
{
	REAL(path_fn, unlink);
	if (fails_at(OP_UNLINK, "unlink", AT_FDCWD, name, AT_FDCWD, NULL))
		return (int)fail_with();
	return real_unlink(name);
}

int unlinkat(int fd, const char *name, int flags)
{
	REAL(unlinkat_fn, unlinkat);
	if (fails_at(OP_UNLINK, "unlinkat", fd, name, AT_FDCWD, NULL))
		return (int)fail_with();
	return real_unlinkat(fd, name, flags);
}

int mkdir(const char *name, mode_t mode)
{
	REAL(mkdir_fn, mkdir);
	if (fails_at(OP_MKDIR, "mkdir", AT_FDCWD, name, AT_FDCWD, NULL))
		return (int)fail_with();
	return real_mkdir(name, mode);
}

int mkdirat(int fd, const char *name, mode_t mode)
{
	REAL(mkdirat_fn, mkdirat);
	if (fails_at(OP_MKDIR, "mkdirat", fd, name, AT_FDCWD, NULL))
		return (int)fail_with();
	return real_mkdirat(fd, name, mode);
}

/* ---- opens ------------------------------------------------------------------ */

/* Whether an open of (dirfd, name) with flags fails; reports it when it does. */
static int open_fails(const char *call, int dirfd, const char *name, int flags)
{
	int writes = (flags & (O_WRONLY | O_RDWR | O_CREAT)) != 0;
	char a[8192];

	configure();
	if (!ready || (!(ops_mask & (1u << OP_OPEN)) && !(writes && (ops_mask & (1u << OP_OPENW)))))
		return 0;
	if (!decide(ops_mask & (1u << OP_OPEN) ? OP_OPEN : OP_OPENW, 0))
		return 0;
	at_path(dirfd, name, a, sizeof a);
	report(OP_OPEN, call, -1, writes ? "write" : "read", a, NULL);
	return 1;
}

typedef int (*open_fn)(const char *, int, ...);
typedef int (*openat_fn)(int, const char *, int, ...);
typedef int (*open2_fn)(const char *, int);
typedef int (*openat2_fn)(int, const char *, int);
typedef int (*creat_fn)(const char *, mode_t);

/* The mode argument is there when the flags create a file. */
#define MODE_ARG(flags, mode) \
	do { \
		if ((flags) & (O_CREAT | __O_TMPFILE)) { \
			va_list ap; \
			va_start(ap, flags); \
			mode = va_arg(ap, mode_t); \
			va_end(ap); \
		} \
	} while (0)

int open(const char *name, int flags, ...)
{
	REAL(open_fn, open);
	mode_t mode = 0;

	MODE_ARG(flags, mode);
	if (open_fails("open", AT_FDCWD, name, flags))
		return (int)fail_with();
	return real_open(name, flags, mode);
}

int open64(const char *name, int flags, ...)
{
	REAL(open_fn, open64);
	mode_t mode = 0;

	MODE_ARG(flags, mode);
	if (open_fails("open64", AT_FDCWD, name, flags))
		return (int)fail_with();
	return real_open64(name, flags, mode);
}

int openat(int fd, const char *name, int flags, ...)
{
	REAL(openat_fn, openat);
	mode_t mode = 0;

	MODE_ARG(flags, mode);
	if (open_fails("openat", fd, name, flags))
		return (int)fail_with();
	return real_openat(fd, name, flags, mode);
}

int openat64(int fd, const char *name, int flags, ...)
{
	REAL(openat_fn, openat64);
	mode_t mode = 0;

	MODE_ARG(flags, mode);
	if (open_fails("openat64", fd, name, flags))
		return (int)fail_with();
	return real_openat64(fd, name, flags, mode);
}

int __open_2(const char *name, int flags)
{
	REAL(open2_fn, __open_2);
	if (open_fails("__open_2", AT_FDCWD, name, flags))
		return (int)fail_with();
	return real___open_2(name, flags);
}

int __openat_2(int fd, const char *name, int flags)
{
	REAL(openat2_fn, __openat_2);
	if (open_fails("__openat_2", fd, name, flags))
		return (int)fail_with();
	return real___openat_2(fd, name, flags);
}

int creat(const char *name, mode_t mode)
{
	REAL(creat_fn, creat);
	if (open_fails("creat", AT_FDCWD, name, O_CREAT))
		return (int)fail_with();
	return real_creat(name, mode);
}

/* ---- ftruncate, mmap -------------------------------------------------------- */

typedef int (*ftruncate_fn)(int, off_t);
typedef void *(*mmap_fn)(void *, size_t, int, int, int, off_t);

static int do_ftruncate(const char *call, ftruncate_fn real, int fd, off_t len)
{
	char path[4096];

	if (!decide(OP_FTRUNCATE, 0))
		return real(fd, len);
	fd_path(fd, path, sizeof path);
	report(OP_FTRUNCATE, call, fd, NULL, path, NULL);
	return (int)fail_with();
}

int ftruncate(int fd, off_t len)
{
	REAL(ftruncate_fn, ftruncate);
	return do_ftruncate("ftruncate", real_ftruncate, fd, len);
}

int ftruncate64(int fd, off_t len)
{
	REAL(ftruncate_fn, ftruncate64);
	return do_ftruncate("ftruncate64", real_ftruncate64, fd, len);
}

static void *do_mmap(const char *call, mmap_fn real, void *addr, size_t n, int prot, int flags,
		     int fd, off_t off)
{
	char path[4096];

	if (!decide(OP_MMAP, 0))
		return real(addr, n, prot, flags, fd, off);
	if (fd >= 0)
		fd_path(fd, path, sizeof path);
	else
		snprintf(path, sizeof path, "<anonymous>");
	report(OP_MMAP, call, fd, NULL, path, NULL);
	errno = fail_errno();
	return MAP_FAILED;
}

void *mmap(void *addr, size_t n, int prot, int flags, int fd, off_t off)
{
	REAL(mmap_fn, mmap);
	return do_mmap("mmap", real_mmap, addr, n, prot, flags, fd, off);
}

void *mmap64(void *addr, size_t n, int prot, int flags, int fd, off_t off)
{
	REAL(mmap_fn, mmap64);
	return do_mmap("mmap64", real_mmap64, addr, n, prot, flags, fd, off);
}
