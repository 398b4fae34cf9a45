// Tayga's command line and NSS-free user/group lookup. See cli/tayga_cli.h.
#include "cli/tayga_cli.h"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <limits>

namespace tundra {
namespace {

enum class Opt : std::uint8_t {
  kConfig, kDebug, kNodetach, kUser, kGroup, kChroot, kPidfile,
  kMktun, kRmtun, kSyslog, kStdout, kJournal, kHelp,
};

struct OptionSpec {
  Opt id;
  char short_name;  // '\0': long only
  std::string_view long_name;
  bool takes_argument;
};

// --debug, -h/--help and the log sinks are the fork's; 0.9.2 has the rest.
constexpr OptionSpec kOptions[] = {
    {Opt::kConfig, 'c', "config", true},    {Opt::kDebug, 'd', "debug", false},
    {Opt::kNodetach, 'n', "nodetach", false}, {Opt::kUser, 'u', "user", true},
    {Opt::kGroup, 'g', "group", true},       {Opt::kChroot, 'r', "chroot", false},
    {Opt::kPidfile, 'p', "pidfile", true},  {Opt::kMktun, '\0', "mktun", false},
    {Opt::kRmtun, '\0', "rmtun", false},    {Opt::kSyslog, '\0', "syslog", false},
    {Opt::kStdout, '\0', "stdout", false},  {Opt::kJournal, '\0', "journal", false},
    {Opt::kHelp, 'h', "help", false},
};

constexpr std::string_view kTryHelp = "; try 'tayga --help'";

std::string quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

const OptionSpec* find_short(char c) {
  for (const OptionSpec& o : kOptions) {
    if (o.short_name != '\0' && o.short_name == c) return &o;
  }
  return nullptr;
}

// getopt_long's matching: an exact name, else the one option the text is a prefix of.
const OptionSpec* find_long(std::string_view name, std::string* error) {
  std::vector<const OptionSpec*> prefixed;
  for (const OptionSpec& o : kOptions) {
    if (o.long_name == name) return &o;
    if (!name.empty() && o.long_name.starts_with(name)) prefixed.push_back(&o);
  }
  if (prefixed.size() == 1) return prefixed.front();
  const std::string given = quoted("--" + std::string(name));
  if (prefixed.empty()) {
    *error = "unknown option " + given + std::string(kTryHelp);
    return nullptr;
  }
  std::string candidates;
  for (const OptionSpec* o : prefixed) {
    candidates += (candidates.empty() ? "" : ", ") + quoted("--" + std::string(o->long_name));
  }
  *error = "option " + given + " is ambiguous (" + candidates + ")" + std::string(kTryHelp);
  return nullptr;
}

std::string display_name(const OptionSpec& o, bool as_long) {
  return as_long || o.short_name == '\0' ? "--" + std::string(o.long_name) : std::string{'-', o.short_name};
}

// Applies one option. Returns false with *error set for a value Tayga would not accept.
bool apply(const OptionSpec& o, bool as_long, const std::string& value, TaygaCommandLine* out,
           bool* sink_given, std::string* error) {
  if (o.takes_argument && value.empty()) {
    *error = "option " + quoted(display_name(o, as_long)) + " needs a non-empty argument";
    return false;
  }
  switch (o.id) {
    case Opt::kConfig: out->config_path = value; break;
    case Opt::kDebug:
      out->debug = true;
      out->detach = false;
      out->log_sink = TaygaLogSink::kStdout;
      break;
    case Opt::kNodetach: out->detach = false; break;
    case Opt::kUser: out->user = value; break;
    case Opt::kGroup: out->group = value; break;
    case Opt::kChroot: out->chroot = true; break;
    case Opt::kPidfile: out->pidfile = value; break;
    case Opt::kMktun:
    case Opt::kRmtun: {
      const auto want = o.id == Opt::kMktun ? TaygaTunOperation::kMake : TaygaTunOperation::kRemove;
      if (out->tun_operation != TaygaTunOperation::kNone && out->tun_operation != want) {
        *error = "--mktun and --rmtun cannot be given together";
        return false;
      }
      out->tun_operation = want;
      break;
    }
    case Opt::kSyslog: out->log_sink = TaygaLogSink::kSyslog; *sink_given = true; break;
    case Opt::kStdout: out->log_sink = TaygaLogSink::kStdout; *sink_given = true; break;
    case Opt::kJournal: out->log_sink = TaygaLogSink::kJournal; *sink_given = true; break;
    case Opt::kHelp: out->help = true; break;
  }
  return true;
}

// Tayga's rules between options, once all are known.
bool check_rules(TaygaCommandLine* out, bool sink_given, std::string* error) {
  if (out->tun_operation != TaygaTunOperation::kNone) {
    const char* op = out->tun_operation == TaygaTunOperation::kMake ? "--mktun" : "--rmtun";
    const auto refuse = [&](const char* what) {
      *error = std::string(what) + " cannot be used with " + op + ": it only creates or removes the TUN";
      return false;
    };
    if (!out->user.empty()) return refuse("-u/--user");
    if (!out->group.empty()) return refuse("-g/--group");
    if (out->chroot) return refuse("-r/--chroot");
    if (sink_given && out->log_sink != TaygaLogSink::kStdout) {
      out->warnings.push_back(std::string(op) + " logs to stdout; the log option is ignored");
    }
    out->log_sink = TaygaLogSink::kStdout;
    return true;
  }
  if (out->chroot && out->user.empty()) {
    *error = "-r/--chroot needs -u USER with an unprivileged user: a chroot does not confine root";
    return false;
  }
  return true;
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// A decimal id below 2^32 - 1 ((uid_t)-1 means "no change" to setreuid and is never an id).
std::optional<std::uint32_t> parse_id(std::string_view s) {
  if (!all_digits(s)) return std::nullopt;
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size() || v >= std::numeric_limits<std::uint32_t>::max()) {
    return std::nullopt;
  }
  return static_cast<std::uint32_t>(v);
}

std::vector<std::string_view> split_colons(std::string_view line) {
  std::vector<std::string_view> fields;
  std::size_t start = 0;
  for (;;) {
    const std::size_t colon = line.find(':', start);
    fields.push_back(line.substr(start, colon == std::string_view::npos ? std::string_view::npos : colon - start));
    if (colon == std::string_view::npos) return fields;
    start = colon + 1;
  }
}

// Calls `visit(fields)` for each usable line of an account file (passwd or group format,
// `min_fields` colon-separated fields or more). Returns false if the file cannot be opened.
template <typename Visit>
bool for_each_account(const std::string& path, std::size_t min_fields, Visit visit) {
  std::ifstream in(path);
  if (!in) return false;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#' || line[0] == '+' || line[0] == '-') continue;
    const auto fields = split_colons(line);
    if (fields.size() < min_fields || fields[0].empty() || !parse_id(fields[2])) continue;
    if (visit(fields)) break;
  }
  return true;
}

}  // namespace

bool invoked_as_tayga(std::string_view argv0) {
  const std::size_t slash = argv0.rfind('/');
  return argv0.substr(slash == std::string_view::npos ? 0 : slash + 1) == kTaygaProgramName;
}

bool parse_tayga_command_line(const std::vector<std::string>& args, TaygaCommandLine* out,
                              std::string* error) {
  *out = TaygaCommandLine{};
  error->clear();
  bool sink_given = false;
  bool options_ended = false;

  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& word = args[i];
    if (options_ended || word.size() < 2 || word[0] != '-') {
      out->warnings.push_back("skipping the argument " + quoted(word) + ": Tayga takes no operands");
      continue;
    }
    if (word == "--") {
      options_ended = true;
      continue;
    }
    if (word.starts_with("--")) {
      const std::string_view body = std::string_view(word).substr(2);
      const std::size_t eq = body.find('=');
      const std::string_view name = body.substr(0, eq);
      const OptionSpec* o = find_long(name, error);
      if (o == nullptr) return false;
      std::string value;
      if (eq != std::string_view::npos) {
        if (!o->takes_argument) {
          *error = "option " + quoted("--" + std::string(o->long_name)) + " takes no argument" + std::string(kTryHelp);
          return false;
        }
        value = std::string(body.substr(eq + 1));
      } else if (o->takes_argument) {
        if (i + 1 >= args.size()) {
          *error = "option " + quoted("--" + std::string(o->long_name)) + " requires an argument" +
                   std::string(kTryHelp);
          return false;
        }
        value = args[++i];
      }
      if (!apply(*o, true, value, out, &sink_given, error)) return false;
      if (out->help) return true;
      continue;
    }
    // A bundle of short options: "-dn", "-c FILE", "-cFILE", "-dcFILE".
    for (std::size_t k = 1; k < word.size(); ++k) {
      const OptionSpec* o = find_short(word[k]);
      if (o == nullptr) {
        *error = "unknown option " + quoted(std::string{'-', word[k]}) + std::string(kTryHelp);
        return false;
      }
      std::string value;
      if (o->takes_argument) {
        if (k + 1 < word.size()) {
          value = word.substr(k + 1);
        } else if (i + 1 < args.size()) {
          value = args[++i];
        } else {
          *error = "option " + quoted(std::string{'-', word[k]}) + " requires an argument" + std::string(kTryHelp);
          return false;
        }
        k = word.size();  // the rest of the word was the argument
      }
      if (!apply(*o, false, value, out, &sink_given, error)) return false;
      if (out->help) return true;
    }
  }
  return check_rules(out, sink_given, error);
}

std::string tayga_usage(std::string_view progname) {
  const std::string p(progname);
  const std::string pad(p.size(), ' ');
  return "Usage: " + p + " [-c|--config FILE] [-d|--debug] [-n|--nodetach]\n" +
         "       " + pad + " [-u|--user USER] [-g|--group GROUP] [-r|--chroot] [-p|--pidfile FILE]\n" +
         "       " + pad + " [--syslog|--stdout|--journal]\n" +
         "       " + p + " --mktun|--rmtun [-c|--config FILE]\n" +
         "       " + p + " -h|--help\n" +
         "\n"
         "tundra, running with Tayga's command line (see docs/migration.md).\n"
         "\n"
         "  -c, --config FILE   configuration file, tayga.conf or tundra.toml (default " +
         kTaygaDefaultConfig + ")\n" +
         "  -d, --debug         debug messages to stdout; stay in the foreground\n"
         "  -n, --nodetach      stay in the foreground\n"
         "  -u, --user USER     switch to USER (name or uid) after opening the TUN\n"
         "  -g, --group GROUP   switch to GROUP (name or gid); default: USER's primary group\n"
         "  -r, --chroot        chroot to data-dir after start-up (needs -u with a non-root user)\n"
         "  -p, --pidfile FILE  write the process ID to FILE\n"
         "      --syslog        log to syslog (the default)\n"
         "      --stdout        log to stdout\n"
         "      --journal       log to the systemd journal\n"
         "      --mktun         create the persistent TUN named by tun-device, then exit\n"
         "      --rmtun         remove the persistent TUN named by tun-device, then exit\n"
         "  -h, --help          show this help\n";
}

void apply_tayga_command_line(const TaygaCommandLine& cmd, Config* config) {
  if (!cmd.user.empty()) config->user = cmd.user;
  if (!cmd.group.empty()) config->group = cmd.group;
  if (!cmd.pidfile.empty()) config->pid_file = cmd.pidfile;
  if (cmd.debug) config->log_level = "debug";
}

bool resolve_user(std::string_view text, const AccountFiles& files, ResolvedUser* out, std::string* error) {
  if (text.empty()) {
    *error = "user: empty name";
    return false;
  }
  if (all_digits(text)) {
    const auto uid = parse_id(text);
    if (!uid) {
      *error = "user " + quoted(text) + " is not a valid uid (0..4294967294)";
      return false;
    }
    *out = ResolvedUser{"", *uid, std::nullopt};
    for_each_account(files.passwd, 7, [&](const std::vector<std::string_view>& f) {
      if (*parse_id(f[2]) != *uid) return false;
      out->name = std::string(f[0]);
      out->gid = parse_id(f[3]);
      return true;
    });
    return true;
  }
  bool found = false;
  const bool readable = for_each_account(files.passwd, 7, [&](const std::vector<std::string_view>& f) {
    if (f[0] != text) return false;
    *out = ResolvedUser{std::string(f[0]), *parse_id(f[2]), parse_id(f[3])};
    found = true;
    return true;
  });
  if (found) return true;
  *error = "user " + quoted(text) + " does not exist in " + files.passwd +
           (readable ? "" : " (it cannot be read)");
  return false;
}

bool resolve_group(std::string_view text, const AccountFiles& files, std::uint32_t* gid, std::string* error) {
  if (text.empty()) {
    *error = "group: empty name";
    return false;
  }
  if (all_digits(text)) {
    const auto id = parse_id(text);
    if (!id) {
      *error = "group " + quoted(text) + " is not a valid gid (0..4294967294)";
      return false;
    }
    *gid = *id;
    return true;
  }
  bool found = false;
  const bool readable = for_each_account(files.group, 3, [&](const std::vector<std::string_view>& f) {
    if (f[0] != text) return false;
    *gid = *parse_id(f[2]);
    found = true;
    return true;
  });
  if (found) return true;
  *error = "group " + quoted(text) + " does not exist in " + files.group +
           (readable ? "" : " (it cannot be read)");
  return false;
}

bool resolve_tayga_ids(const TaygaCommandLine& cmd, const AccountFiles& files, TaygaIds* out,
                       std::string* error) {
  *out = TaygaIds{};
  ResolvedUser user;
  if (!cmd.user.empty()) {
    if (!resolve_user(cmd.user, files, &user, error)) return false;
    out->uid = user.uid;
    out->gid = user.gid;
  }
  if (!cmd.group.empty()) {
    std::uint32_t gid = 0;
    if (!resolve_group(cmd.group, files, &gid, error)) return false;
    out->gid = gid;
  } else if (out->uid && !out->gid) {
    *error = "user " + quoted(cmd.user) + " has no entry in " + files.passwd +
             " to give its primary group; add -g GROUP";
    return false;
  }
  if (cmd.chroot && (!out->uid || *out->uid == 0)) {
    *error = "-r/--chroot needs -u with a non-root user (" + quoted(cmd.user) +
             " is uid 0): a chroot does not confine root";
    return false;
  }
  return true;
}

}  // namespace tundra
