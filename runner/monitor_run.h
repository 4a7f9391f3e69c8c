/* monitor_run.h: the monitor's start/stop steps and its event handlers
 * (monitor_run.c), called from the event loop in monitor.c. */
#ifndef BERTH_RUNNER_MONITOR_RUN_H
#define BERTH_RUNNER_MONITOR_RUN_H

#include <stddef.h>

#include "monitor_internal.h"

enum mon_event { MON_EV_SIGNAL = 1, MON_EV_LISTEN, MON_EV_CLIENT, MON_EV_TIMER, MON_EV_STDOUT,
		 MON_EV_STDERR };

void monitor_start_task(struct monitor *m);
void monitor_on_timer(struct monitor *m);
void monitor_on_output(struct monitor *m, size_t idx, int stream);
/* Periodic work of the output sinks; resumes pipes a sink paused. */
void monitor_output_tick(struct monitor *m);
void monitor_on_sigchld(struct monitor *m);
void monitor_finish(struct monitor *m);

#endif
