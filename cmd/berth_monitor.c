/* berth_monitor.c: the berth-monitor executable; see runner/monitor.h. */
#include "runner/monitor.h"

int main(int argc, char **argv)
{
	return monitor_main(argc, argv);
}
