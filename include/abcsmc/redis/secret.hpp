#pragma once
/// Keeping the Redis password to the process that needs it (master, workers, manager): out of
/// the environment its simulators inherit, out of core dumps, and unreadable through /proc and
/// ptrace by other processes of the same user.
#include <string>

namespace abcsmc::redis {

/// The password in environment variable `name` (empty when it is unset or empty), taken out of
/// the environment: its bytes are overwritten in place (also in the block that
/// /proc/PID/environ shows) and the variable is removed, so that the programs this process
/// starts (external-command models: posix_spawn with `environ`) do not inherit it. When there
/// is a password, also protect_password_holder(). Call it before starting threads.
std::string take_password_from_environment(const std::string& name);

/// Marks this process as holding a password: no core dump of it, and neither ptrace nor
/// reads of /proc/PID/mem or /proc/PID/environ by anyone but root get at its memory
/// (prctl(PR_SET_DUMPABLE, 0)). Kept across fork (the `--processes N` workers), reset by exec,
/// so the simulators it starts are ordinary processes. Logs a warning if the kernel refuses.
void protect_password_holder();

}  // namespace abcsmc::redis
