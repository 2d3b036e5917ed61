#!/usr/bin/env bash
# The long run of the Raft simulation (issue 12): every scenario of
# tests/KafkaCompat.Raft.Tests/Simulation over SEEDS seeds each (default 2000), starting at
# FIRST_SEED (default 0). The README's test command runs the same code over 50 seeds per scenario.
# A failure names its seed in the test name; replay it with
#   RAFT_SIMULATION_FIRST_SEED=<seed> RAFT_SIMULATION_SEEDS=1 dotnet test tests/KafkaCompat.Raft.Tests -c Release --filter "Name~<Scenario>"
set -euo pipefail
cd "$(dirname "$0")/../.."
seeds=${SEEDS:-2000}
first=${FIRST_SEED:-0}
flock /tmp/kafkacompat-build.lock dotnet build tests/KafkaCompat.Raft.Tests -c Release -nologo -clp:ErrorsOnly
RAFT_SIMULATION_SEEDS=$seeds RAFT_SIMULATION_FIRST_SEED=$first \
  dotnet test tests/KafkaCompat.Raft.Tests -c Release --no-build -nologo --filter "TestCategory=Simulation"
