// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "process.h"

/*
 * fork + execvp.  A close-on-exec pipe carries execvp's errno back, so a
 * command that cannot start is told apart from one that exits 127.  Like
 * time(1), exitstat ignores Ctrl-C while the command runs, so the command
 * gets it and exitstat still reports.
 */
int process_run(char *const argv[], int *wait_status)
{
	struct sigaction ignore = { .sa_handler = SIG_IGN }, old_int, old_quit;
	int pipefd[2], child_errno = 0, err = 0;
	pid_t pid;
	ssize_t n;

	if (pipe(pipefd) != 0)
		return errno;
	fcntl(pipefd[1], F_SETFD, FD_CLOEXEC);
	sigaction(SIGINT, &ignore, &old_int);
	sigaction(SIGQUIT, &ignore, &old_quit);
	pid = fork();
	if (pid < 0) {
		err = errno;
		close(pipefd[0]);
		close(pipefd[1]);
		goto out;
	}
	if (pid == 0) {
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGQUIT, &old_quit, NULL);
		close(pipefd[0]);
		execvp(argv[0], argv);
		child_errno = errno;
		if (write(pipefd[1], &child_errno, sizeof(child_errno)) < 0) {
			/* The parent then sees exit status 127 only. */
		}
		_exit(127);
	}
	close(pipefd[1]);
	do
		n = read(pipefd[0], &child_errno, sizeof(child_errno));
	while (n < 0 && errno == EINTR);
	close(pipefd[0]);
	while (waitpid(pid, wait_status, 0) < 0) {
		if (errno != EINTR) {
			err = errno;
			goto out;
		}
	}
	if (n == (ssize_t)sizeof(child_errno))
		err = child_errno;
out:
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	return err;
}

