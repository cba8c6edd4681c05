#!/usr/bin/env bash
# Run a simulate command as a Slurm job array, one array task per shard, then merge the shards.
#
#   scripts/slurm_array.sh N OUT COMMAND [ARGS...]
#   scripts/slurm_array.sh 8 outputs/workshops run scenarios/workshops.toml --replications 400
#   scripts/slurm_array.sh 16 outputs/screening sensitivity scenarios/sensitivity.toml
#
# Submits two jobs from the folder it is started in (which every node must see):
#   1. an array of N tasks; task K runs `simulate COMMAND ARGS --shard K/N --out OUT.shard-K-of-N`
#      with --workers set to the task's CPUs ($SLURM_CPUS_PER_TASK, default 1);
#   2. a merge job that starts once every task has succeeded (--dependency=afterok) and runs
#      `simulate merge OUT.shard-*-of-N --out OUT`: the same files as the command run at once.
# A failed or killed task: submit that task again (sbatch --array=K ...); its shard resumes with
# --resume from OUT.shard-K-of-N.partial/ (docs/CLUSTERS.md).
#
# Settings from the environment:
#   SIMULATE        how to start simulate on the nodes (default: simulate; e.g. "uv run simulate")
#   SBATCH_OPTIONS  more sbatch options for both jobs (e.g. "--partition=short --time=02:00:00")
#   SHARD_OPTIONS   sbatch options for the array tasks only (e.g. "--cpus-per-task=8 --mem=8G")
set -euo pipefail

if [[ $# -lt 3 ]]; then
    echo "usage: $0 N OUT COMMAND [ARGS...]   (e.g. $0 8 outputs/workshops run scenarios/workshops.toml)" >&2
    exit 2
fi
shards=$1
out=$2
shift 2
if ! [[ $shards =~ ^[1-9][0-9]*$ ]]; then
    echo "error: N = '$shards': the number of shards must be a whole number of at least 1" >&2
    exit 2
fi

simulate=${SIMULATE:-simulate}
read -r -a common <<< "${SBATCH_OPTIONS:-}"
read -r -a per_shard <<< "${SHARD_OPTIONS:-}"
command_line=$(printf '%q ' "$@")
quoted_out=$(printf '%q' "$out")

task="$simulate $command_line --shard \${SLURM_ARRAY_TASK_ID}/$shards"
task+=" --out $quoted_out.shard-\${SLURM_ARRAY_TASK_ID}-of-$shards --workers \${SLURM_CPUS_PER_TASK:-1} --quiet"
array=$(sbatch --parsable --job-name=simulate-shards --array="1-$shards" "${common[@]}" "${per_shard[@]}" \
    --output="$out.shard-%a-of-$shards.log" --wrap="$task")
array=${array%%;*}  # --parsable prints "jobid" or "jobid;cluster"
echo "submitted array job $array: $shards shards of: simulate $*"

merge_line="$simulate merge"
for ((k = 1; k <= shards; k++)); do
    merge_line+=" $quoted_out.shard-$k-of-$shards"
done
merge_line+=" --out $quoted_out --quiet"
merged=$(sbatch --parsable --job-name=simulate-merge --dependency="afterok:$array" "${common[@]}" \
    --output="$out.merge.log" --wrap="$merge_line")
echo "submitted merge job ${merged%%;*} (after every task of $array): results in $out/"
