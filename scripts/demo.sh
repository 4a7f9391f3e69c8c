#!/usr/bin/env bash
# demo.sh: berth's main job on this host, end to end.  Installs what it
# needs, builds, starts berthd with its embedded defaults (state
# /var/lib/berth, run /run/berth, 127.0.0.1:8670) unless one already
# runs, loads a busybox image built from Debian's busybox-static, then
# with the AWS CLI: registers a Fargate task definition, runs it, waits
# for it to stop, and shows its exit code and its output as log events.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
[ "$(id -u)" = 0 ] || { echo "demo.sh: run as root"; exit 1; }
BERTH_WITH_VM=0 ./scripts/install-deps.sh
./scripts/build.sh build
./tests/images/build-test-images.sh build/test-images

STATE=/var/lib/berth RUN=/run/berth ENDPOINT=http://127.0.0.1:8670
if ! curl -s -o /dev/null "$ENDPOINT/"; then
  mkdir -p "$STATE"
  nohup build/cmd/berthd >>"$STATE/berthd.log" 2>&1 &
  echo "started berthd (pid $!, log $STATE/berthd.log; stop it with: kill $!)"
  for _ in $(seq 100); do curl -s -o /dev/null "$ENDPOINT/" && break; sleep 0.1; done
fi
build/cmd/berth --run-dir "$RUN" image load build/test-images/busybox-oci.tar >/dev/null

export AWS_SHARED_CREDENTIALS_FILE=$STATE/credentials AWS_CONFIG_FILE=/dev/null AWS_PAGER=
aws() { /usr/bin/aws --profile berth --region us-east-1 --endpoint-url "$ENDPOINT" "$@"; }

aws ecs register-task-definition --family hello --requires-compatibilities FARGATE \
  --network-mode awsvpc --cpu 256 --memory 512 \
  --container-definitions '[{"name":"app","image":"busybox:1","essential":true,
    "command":["sh","-c","echo hello from a berth task on $(hostname); uname -sr; id"],
    "logConfiguration":{"logDriver":"awslogs","options":{"awslogs-group":"/ecs/hello",
      "awslogs-stream-prefix":"demo","awslogs-region":"us-east-1","awslogs-create-group":"true"}}}]' \
  --query 'taskDefinition.taskDefinitionArn' --output text
arn=$(aws ecs run-task --task-definition hello --query 'tasks[0].taskArn' --output text)
echo "task: $arn"
aws ecs wait tasks-stopped --tasks "$arn"
aws ecs describe-tasks --tasks "$arn" --output table \
  --query 'tasks[0].{lastStatus:lastStatus,stopCode:stopCode,stoppedReason:stoppedReason,exitCode:containers[0].exitCode}'
echo "its log, through the CloudWatch Logs API:"
aws logs get-log-events --log-group-name /ecs/hello --log-stream-name "demo/app/${arn##*/}" \
  --start-from-head --query 'events[].[message]' --output text
