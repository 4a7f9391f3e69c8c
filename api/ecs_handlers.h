/* ecs_handlers.h: the ECS action handlers, one per API action, listed
 * in the table of ecs_actions.c.  Each follows api_handler (router.h). */
#ifndef BERTH_API_ECS_HANDLERS_H
#define BERTH_API_ECS_HANDLERS_H

#include "router.h"

#define ECS_HANDLER(fn) int fn(struct berth_daemon *d, const cJSON *req, cJSON **resp, struct api_error *e)

ECS_HANDLER(ecs_create_cluster);
ECS_HANDLER(ecs_describe_clusters);
ECS_HANDLER(ecs_list_clusters);
ECS_HANDLER(ecs_delete_cluster);
ECS_HANDLER(ecs_register_task_definition);
ECS_HANDLER(ecs_describe_task_definition);
ECS_HANDLER(ecs_list_task_definitions);
ECS_HANDLER(ecs_list_task_definition_families);
ECS_HANDLER(ecs_deregister_task_definition);
ECS_HANDLER(ecs_run_task);
ECS_HANDLER(ecs_stop_task);
ECS_HANDLER(ecs_describe_tasks);
ECS_HANDLER(ecs_list_tasks);
ECS_HANDLER(berth_load_image);
ECS_HANDLER(berth_pull_image);
ECS_HANDLER(berth_list_images);
ECS_HANDLER(berth_prune_images);

#endif
