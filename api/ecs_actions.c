/* ecs_actions.c: the action tables of the ECS and berth-local
 * services (the Logs table lives with the Logs handlers). */
#include "ecs_handlers.h"

const struct api_action ecs_actions[] = {
	{ "CreateCluster", ecs_create_cluster },
	{ "DescribeClusters", ecs_describe_clusters },
	{ "ListClusters", ecs_list_clusters },
	{ "DeleteCluster", ecs_delete_cluster },
	{ "RegisterTaskDefinition", ecs_register_task_definition },
	{ "DescribeTaskDefinition", ecs_describe_task_definition },
	{ "ListTaskDefinitions", ecs_list_task_definitions },
	{ "ListTaskDefinitionFamilies", ecs_list_task_definition_families },
	{ "DeregisterTaskDefinition", ecs_deregister_task_definition },
	{ "RunTask", ecs_run_task },
	{ "StopTask", ecs_stop_task },
	{ "DescribeTasks", ecs_describe_tasks },
	{ "ListTasks", ecs_list_tasks },
	{ NULL, NULL },
};

const struct api_action berth_actions[] = {
	{ "LoadImage", berth_load_image },
	{ "PullImage", berth_pull_image },
	{ "ListImages", berth_list_images },
	{ "PruneImages", berth_prune_images },
	{ NULL, NULL },
};
