/* monitor.h: the per-task monitor process (berth-monitor).
 *
 * berthd starts one monitor per task with the task's run directory as
 * its argument, fd 3 holding an flock on RUN/tasks/<id>/monitor.lock
 * (held for the monitor's whole life: a free lock means no monitor) and
 * fd 4 a listening unix socket RUN/tasks/<id>/monitor.sock.  The monitor
 * reads spec.json, creates the task's namespace and cgroups, starts the
 * containers as their parent, ships their output, enforces stop
 * timeouts, and keeps state.json (the Task fields it owns) current,
 * pushing every change to connected berthd clients as one JSON line.
 * It outlives berthd; it exits after the task is STOPPED and cleaned. */
#ifndef BERTH_RUNNER_MONITOR_H
#define BERTH_RUNNER_MONITOR_H

#define MONITOR_LOCK_FD 3
#define MONITOR_LISTEN_FD 4

/* Entry point of the berth-monitor executable.  Returns the process
 * exit status. */
int monitor_main(int argc, char **argv);

#endif
