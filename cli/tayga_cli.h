// Tayga's command line, for the binary invoked as `tayga` (a symlink to tundra), so that init
// scripts, systemd units and container launch scripts written for Tayga run unchanged
// (docs/migration.md).
//
//   tayga [-c|--config FILE] [-d|--debug] [-n|--nodetach] [-u|--user USER] [-g|--group GROUP]
//         [-r|--chroot] [-p|--pidfile FILE] [--syslog|--stdout|--journal]
//   tayga --mktun|--rmtun [-c|--config FILE]
//   tayga -h|--help
//
// Parsing follows GNU getopt_long as Tayga uses it: short options may be bundled (`-dn`)
// and take their argument attached or as the next word (`-c/etc/x.conf`, `-c /etc/x.conf`);
// long options take `--opt=ARG` or `--opt ARG` and may be abbreviated to any unambiguous
// prefix (`--node`); `--` ends the options. A word that is not an option is skipped with a
// warning, as Tayga does. When an option is repeated, the last one wins.
//
// Tayga's rules, checked here: --mktun and --rmtun exclude each other and -u, -g and -r;
// -r needs -u (and a non-root user: resolve_tayga_ids() checks that once the user is
// known); -d implies -n. Any error is one line in `*error`, and the process exits with
// kTaygaExitUsage (1), as Tayga does.
//
// User and group names are resolved by reading /etc/passwd and /etc/group directly: a static
// binary has no NSS. Numeric ids are accepted too (Tayga 0.9.2 takes names only).
//
// Control plane only; allocates; nothing here throws. No global state: the functions are
// safe to call from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/config.h"

namespace tundra {

// Tayga's default configuration file (its TAYGA_CONF_PATH).
inline constexpr const char* kTaygaDefaultConfig = "/etc/tayga.conf";
// Exit statuses, as Tayga's: a bad command line and every startup failure exit 1. --help
// prints the usage to stderr and exits 1 too (Tayga's current `main`; 0.9.2 exited 0).
inline constexpr int kTaygaExitUsage = 1;
inline constexpr int kTaygaExitHelp = 1;

// The name the binary answers to with Tayga's command line.
inline constexpr std::string_view kTaygaProgramName = "tayga";

// True when argv[0]'s last path component is exactly "tayga" (e.g. /usr/sbin/tayga, a
// symlink to tundra).
bool invoked_as_tayga(std::string_view argv0);

enum class TaygaTunOperation : std::uint8_t {
  kNone,    // run the translator
  kMake,    // --mktun: create the persistent TUN named by tun-device, then exit
  kRemove,  // --rmtun: remove it, then exit
};

enum class TaygaLogSink : std::uint8_t {
  kSyslog,   // Tayga's default (facility daemon, ident "tayga")
  kStdout,   // -d, --stdout, and always with --mktun/--rmtun
  kJournal,  // --journal: the systemd journal, READY=1 on $NOTIFY_SOCKET
};

struct TaygaCommandLine {
  std::string config_path = kTaygaDefaultConfig;  // -c, --config
  bool debug = false;                             // -d, --debug: debug messages (log level debug)
  bool detach = true;                             // false with -n/--nodetach or -d
  TaygaTunOperation tun_operation = TaygaTunOperation::kNone;
  std::string user;     // -u, --user: a name, or a uid if all digits; "" = do not change user
  std::string group;    // -g, --group: a name, or a gid if all digits; "" = the user's primary group
  bool chroot = false;  // -r, --chroot: chroot to data-dir after start-up
  std::string pidfile;  // -p, --pidfile; "" = none
  // Default syslog; -d sets stdout; --syslog/--stdout/--journal set it (the last one given
  // wins); --mktun/--rmtun force stdout.
  TaygaLogSink log_sink = TaygaLogSink::kSyslog;
  bool help = false;  // -h, --help: print tayga_usage() and exit kTaygaExitHelp
  // Accepted oddities (positional words, a log sink with --mktun), one line each.
  std::vector<std::string> warnings;

  bool operator==(const TaygaCommandLine&) const = default;
};

// Parses the arguments after argv[0]. On an error returns false and sets `*error` to one line
// (e.g. "option '-c' requires an argument; try 'tayga --help'"); `*out` is then unspecified.
// With -h/--help it returns true with out->help set and checks nothing else.
bool parse_tayga_command_line(const std::vector<std::string>& args, TaygaCommandLine* out,
                              std::string* error);

// The usage text (several lines, each ending in '\n'), naming the program `progname`.
std::string tayga_usage(std::string_view progname);

// Copies what the command line says over a loaded Config (command line wins, as in Tayga,
// where these had no directives): -u, -g and -p set user, group and pid_file when given,
// and -d sets log_level to "debug". Load the file with ConfigFormat::kAuto: a tayga.conf is
// detected as such, and a `tayga` symlink may also be pointed at a tundra.toml.
void apply_tayga_command_line(const TaygaCommandLine& cmd, Config* config);

// --- Users and groups without NSS ---------------------------------------------------------

// Where the account databases are read from (tests point these elsewhere).
struct AccountFiles {
  std::string passwd = "/etc/passwd";
  std::string group = "/etc/group";
};

struct ResolvedUser {
  std::string name;  // "" when given as a number with no /etc/passwd entry
  std::uint32_t uid = 0;
  std::optional<std::uint32_t> gid;  // the primary group from /etc/passwd, when there is an entry
};

// `text` is a user name, or a uid when it is all digits (the rule of tundra.toml's `user`,
// docs/configuration.md). A name is looked up in files.passwd; a uid needs no entry (a
// FROM-scratch image may have no /etc/passwd), but takes the name and primary group of the
// first entry with that uid if there is one. Lines that are comments, NIS markers (+/-) or
// malformed are ignored. On failure returns false with one line in `*error`.
bool resolve_user(std::string_view text, const AccountFiles& files, ResolvedUser* out, std::string* error);
// The same for a group name or gid (all digits), in files.group.
bool resolve_group(std::string_view text, const AccountFiles& files, std::uint32_t* gid, std::string* error);

// The ids the daemon switches to after opening the TUN (and chrooting, with -r).
struct TaygaIds {
  std::optional<std::uint32_t> uid;  // set with -u
  // -g's group; else -u's primary group. Unset without -u and -g: keep the current ids.
  // The daemon also sets the supplementary groups to just this one. (Tayga keeps root's gid
  // and groups when given -u alone; tundra does not.)
  std::optional<std::uint32_t> gid;
};

// Resolves cmd.user and cmd.group and applies the rules that need them: -r with a user whose
// uid is 0 is refused; -u given as a bare number with no /etc/passwd entry needs -g (its
// group would be unknown). On failure returns false with one line in `*error`.
bool resolve_tayga_ids(const TaygaCommandLine& cmd, const AccountFiles& files, TaygaIds* out,
                       std::string* error);

}  // namespace tundra
