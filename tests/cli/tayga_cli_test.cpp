// Tests for cli/tayga_cli: Tayga's command line (every flag, getopt_long's syntax, Tayga's
// rules between flags, one-line errors) and user/group lookup from /etc/passwd and
// /etc/group without NSS.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "cli/tayga_cli.h"

namespace {

using tundra::AccountFiles;
using tundra::TaygaCommandLine;
using tundra::TaygaIds;
using tundra::TaygaLogSink;
using tundra::TaygaTunOperation;

TaygaCommandLine parse_ok(const std::vector<std::string>& args) {
  TaygaCommandLine cmd;
  std::string error;
  const bool ok = tundra::parse_tayga_command_line(args, &cmd, &error);
  INFO(error);
  REQUIRE(ok);
  CHECK(error.empty());
  return cmd;
}

std::string parse_error(const std::vector<std::string>& args) {
  TaygaCommandLine cmd;
  std::string error;
  REQUIRE_FALSE(tundra::parse_tayga_command_line(args, &cmd, &error));
  CHECK_FALSE(error.empty());
  CHECK(error.find('\n') == std::string::npos);
  return error;
}

// Account files in a temporary directory.
struct Accounts {
  std::string dir;
  AccountFiles files;
  Accounts() {
    char tmpl[] = "/tmp/tundra_tayga_cli_test.XXXXXX";
    const char* p = ::mkdtemp(tmpl);
    REQUIRE(p != nullptr);
    dir = p;
    files.passwd = dir + "/passwd";
    files.group = dir + "/group";
    std::ofstream(files.passwd) << "root:x:0:0:root:/root:/bin/bash\n"
                                   "# a comment\n"
                                   "\n"
                                   "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
                                   "broken line without colons\n"
                                   "badid:x:abc:1::/:/bin/false\n"
                                   "+nisuser::::::\n"
                                   "tayga:x:120:130:TAYGA,,,:/var/lib/tayga:/usr/sbin/nologin\r\n"
                                   "1000:x:2000:2000:a user named by digits:/home/n:/bin/sh\n"
                                   "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
                                   "toor:x:0:0:second root:/root:/bin/sh\n";
    std::ofstream(files.group) << "root:x:0:\n"
                                  "daemon:x:1:\n"
                                  "tayga:x:130:\n"
                                  "nogroup:x:65534:\n"
                                  "-nisgroup::\n"
                                  "staff:x:50:alice,bob\n"
                                  "7:x:77:\n";
  }
  ~Accounts() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};

}  // namespace

TEST_CASE("Without arguments Tayga's defaults apply: /etc/tayga.conf, detach, syslog", "[tayga-cli]") {
  const auto cmd = parse_ok({});
  CHECK(cmd.config_path == "/etc/tayga.conf");
  CHECK(cmd.detach);
  CHECK_FALSE(cmd.debug);
  CHECK(cmd.tun_operation == TaygaTunOperation::kNone);
  CHECK(cmd.user.empty());
  CHECK(cmd.group.empty());
  CHECK_FALSE(cmd.chroot);
  CHECK(cmd.pidfile.empty());
  CHECK(cmd.log_sink == TaygaLogSink::kSyslog);
  CHECK_FALSE(cmd.help);
  CHECK(cmd.warnings.empty());
}

TEST_CASE("Tayga option -c/--config names the configuration file in every getopt spelling", "[tayga-cli]") {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"-c", "/etc/x.conf"}, {"-c/etc/x.conf"}, {"--config", "/etc/x.conf"},
           {"--config=/etc/x.conf"}, {"--conf", "/etc/x.conf"}, {"--co=/etc/x.conf"},
           {"-c", "/etc/first.conf", "-c", "/etc/x.conf"}}) {
    INFO(args.front());
    CHECK(parse_ok(args).config_path == "/etc/x.conf");
  }
  // An argument that looks like an option is still the argument, as with getopt.
  CHECK(parse_ok({"-c", "-n"}).config_path == "-n");
  CHECK(parse_ok({"-c", "-n"}).detach);
}

TEST_CASE("Tayga option -d/--debug means debug messages to stdout in the foreground", "[tayga-cli]") {
  for (const char* flag : {"-d", "--debug"}) {
    const auto cmd = parse_ok({flag});
    CHECK(cmd.debug);
    CHECK_FALSE(cmd.detach);
    CHECK(cmd.log_sink == TaygaLogSink::kStdout);
  }
  // A later log option still chooses the sink; -d keeps the foreground.
  const auto cmd = parse_ok({"-d", "--journal"});
  CHECK(cmd.log_sink == TaygaLogSink::kJournal);
  CHECK_FALSE(cmd.detach);
}

TEST_CASE("Tayga option -n/--nodetach keeps the foreground without debug", "[tayga-cli]") {
  for (const char* flag : {"-n", "--nodetach", "--node"}) {
    const auto cmd = parse_ok({flag});
    CHECK_FALSE(cmd.detach);
    CHECK_FALSE(cmd.debug);
    CHECK(cmd.log_sink == TaygaLogSink::kSyslog);
  }
}

TEST_CASE("Tayga option -u/--user, -g/--group, -r/--chroot and -p/--pidfile are taken", "[tayga-cli]") {
  const auto cmd = parse_ok({"-u", "tayga", "--group=nogroup", "-r", "--pidfile", "/run/tayga.pid"});
  CHECK(cmd.user == "tayga");
  CHECK(cmd.group == "nogroup");
  CHECK(cmd.chroot);
  CHECK(cmd.pidfile == "/run/tayga.pid");
  const auto longs = parse_ok({"--user", "65534", "-g65534", "--chroot", "-p/run/t.pid"});
  CHECK(longs.user == "65534");
  CHECK(longs.group == "65534");
  CHECK(longs.chroot);
  CHECK(longs.pidfile == "/run/t.pid");
}

TEST_CASE("Short options bundle, and an option taking an argument ends the bundle", "[tayga-cli]") {
  const auto cmd = parse_ok({"-dnc", "/etc/x.conf"});
  CHECK(cmd.debug);
  CHECK(cmd.config_path == "/etc/x.conf");
  const auto attached = parse_ok({"-nru", "nobody"});
  CHECK(attached.chroot);
  CHECK(attached.user == "nobody");
  const auto rest = parse_ok({"-nc/etc/y.conf"});
  CHECK_FALSE(rest.detach);
  CHECK(rest.config_path == "/etc/y.conf");
}

TEST_CASE("Tayga option --syslog, --stdout and --journal choose the log sink; the last one wins", "[tayga-cli]") {
  CHECK(parse_ok({"--stdout"}).log_sink == TaygaLogSink::kStdout);
  CHECK(parse_ok({"--journal"}).log_sink == TaygaLogSink::kJournal);
  CHECK(parse_ok({"--journal", "--syslog"}).log_sink == TaygaLogSink::kSyslog);
  CHECK(parse_ok({"--syslog", "--stdout"}).log_sink == TaygaLogSink::kStdout);
  CHECK(parse_ok({"--journal"}).detach);  // a sink alone does not keep the foreground
}

TEST_CASE("Tayga option --mktun and --rmtun select a TUN operation and log to stdout", "[tayga-cli]") {
  const auto mk = parse_ok({"--mktun", "-c", "/etc/x.conf"});
  CHECK(mk.tun_operation == TaygaTunOperation::kMake);
  CHECK(mk.config_path == "/etc/x.conf");
  CHECK(mk.log_sink == TaygaLogSink::kStdout);
  CHECK(mk.warnings.empty());
  CHECK(parse_ok({"--rmtun"}).tun_operation == TaygaTunOperation::kRemove);
  CHECK(parse_ok({"--mktun", "--mktun"}).tun_operation == TaygaTunOperation::kMake);
  CHECK(parse_ok({"--mktun", "-d"}).tun_operation == TaygaTunOperation::kMake);
  // The fork warns that a log option is ignored with these, and goes on.
  const auto warned = parse_ok({"--rmtun", "--journal"});
  CHECK(warned.log_sink == TaygaLogSink::kStdout);
  REQUIRE(warned.warnings.size() == 1);
  CHECK(warned.warnings[0] == "--rmtun logs to stdout; the log option is ignored");
}

TEST_CASE("Tayga option --mktun and --rmtun exclude each other and -u, -g and -r", "[tayga-cli]") {
  CHECK(parse_error({"--mktun", "--rmtun"}) == "--mktun and --rmtun cannot be given together");
  CHECK(parse_error({"--rmtun", "--mktun"}) == "--mktun and --rmtun cannot be given together");
  CHECK(parse_error({"--mktun", "-u", "nobody"}) ==
        "-u/--user cannot be used with --mktun: it only creates or removes the TUN");
  CHECK(parse_error({"-g", "nogroup", "--rmtun"}) ==
        "-g/--group cannot be used with --rmtun: it only creates or removes the TUN");
  CHECK(parse_error({"--mktun", "-r"}) == "-r/--chroot cannot be used with --mktun: it only creates or removes the TUN");
}

TEST_CASE("Tayga option -r needs -u", "[tayga-cli]") {
  CHECK(parse_error({"-r"}) == "-r/--chroot needs -u USER with an unprivileged user: a chroot does not confine root");
  CHECK(parse_error({"--chroot", "-g", "nogroup"}).rfind("-r/--chroot needs -u USER", 0) == 0);
  CHECK(parse_ok({"-r", "-u", "nobody"}).chroot);
}

TEST_CASE("Unknown, ambiguous and incomplete options are one-line errors", "[tayga-cli]") {
  CHECK(parse_error({"-x"}) == "unknown option '-x'; try 'tayga --help'");
  CHECK(parse_error({"-nx"}) == "unknown option '-x'; try 'tayga --help'");
  CHECK(parse_error({"--bogus"}) == "unknown option '--bogus'; try 'tayga --help'");
  CHECK(parse_error({"--c", "x"}) == "option '--c' is ambiguous ('--config', '--chroot'); try 'tayga --help'");
  CHECK(parse_error({"-c"}) == "option '-c' requires an argument; try 'tayga --help'");
  CHECK(parse_error({"-d", "--user"}) == "option '--user' requires an argument; try 'tayga --help'");
  CHECK(parse_error({"-nu"}) == "option '-u' requires an argument; try 'tayga --help'");
  CHECK(parse_error({"--nodetach=yes"}) == "option '--nodetach' takes no argument; try 'tayga --help'");
  CHECK(parse_error({"-c", ""}) == "option '-c' needs a non-empty argument");
  CHECK(parse_error({"--pidfile="}) == "option '--pidfile' needs a non-empty argument");
  CHECK(parse_error({"-u", ""}) == "option '-u' needs a non-empty argument");
  CHECK(parse_error({"--group", ""}) == "option '--group' needs a non-empty argument");
}

TEST_CASE("Tayga option -h/--help asks for the usage and stops parsing; Tayga exits 1 after it", "[tayga-cli]") {
  CHECK(parse_ok({"-h"}).help);
  CHECK(parse_ok({"--help"}).help);
  CHECK(parse_ok({"--he"}).help);
  CHECK(parse_ok({"-nh"}).help);
  CHECK(parse_ok({"--help", "--bogus", "-r"}).help);  // nothing after it is looked at
  CHECK(parse_error({"--bogus", "--help"}).rfind("unknown option", 0) == 0);
  CHECK(tundra::kTaygaExitHelp == 1);
  CHECK(tundra::kTaygaExitUsage == 1);

  const std::string usage = tundra::tayga_usage("tayga");
  CHECK(usage.rfind("Usage: tayga [-c|--config FILE]", 0) == 0);
  CHECK(usage.back() == '\n');
  for (const char* flag : {"--config", "--debug", "--nodetach", "--user", "--group", "--chroot", "--pidfile",
                           "--syslog", "--stdout", "--journal", "--mktun", "--rmtun", "--help", "/etc/tayga.conf"}) {
    INFO(flag);
    CHECK(usage.find(flag) != std::string::npos);
  }
}

TEST_CASE("Words that are not options are skipped with a warning, as Tayga does", "[tayga-cli]") {
  const auto cmd = parse_ok({"start", "-n", "-", "--", "-d"});
  CHECK_FALSE(cmd.detach);
  CHECK_FALSE(cmd.debug);  // after "--", -d is a word
  REQUIRE(cmd.warnings.size() == 3);
  CHECK(cmd.warnings[0] == "skipping the argument 'start': Tayga takes no operands");
  CHECK(cmd.warnings[1] == "skipping the argument '-': Tayga takes no operands");
  CHECK(cmd.warnings[2] == "skipping the argument '-d': Tayga takes no operands");
}

TEST_CASE("The Tayga command line applies when the binary is called tayga", "[tayga-cli]") {
  CHECK(tundra::invoked_as_tayga("tayga"));
  CHECK(tundra::invoked_as_tayga("/usr/sbin/tayga"));
  CHECK(tundra::invoked_as_tayga("./tayga"));
  CHECK_FALSE(tundra::invoked_as_tayga("tundra"));
  CHECK_FALSE(tundra::invoked_as_tayga("/usr/sbin/tundra"));
  CHECK_FALSE(tundra::invoked_as_tayga("tayga2"));
  CHECK_FALSE(tundra::invoked_as_tayga("/opt/tayga/tundra"));
  CHECK_FALSE(tundra::invoked_as_tayga(""));
}

TEST_CASE("The command line overrides the file's user, group, pid file and log level", "[tayga-cli]") {
  tundra::Config config;
  config.user = "fileuser";
  config.group = "filegroup";
  config.pid_file = "/run/file.pid";
  tundra::apply_tayga_command_line(parse_ok({}), &config);
  CHECK(config.user == "fileuser");
  CHECK(config.group == "filegroup");
  CHECK(config.pid_file == "/run/file.pid");
  CHECK(config.log_level == "info");
  tundra::apply_tayga_command_line(parse_ok({"-u", "tayga", "-g", "nogroup", "-p", "/run/t.pid", "-d"}), &config);
  CHECK(config.user == "tayga");
  CHECK(config.group == "nogroup");
  CHECK(config.pid_file == "/run/t.pid");
  CHECK(config.log_level == "debug");
}

TEST_CASE("Users are found by name or number in /etc/passwd without NSS", "[tayga-cli]") {
  Accounts a;
  tundra::ResolvedUser u;
  std::string error;
  REQUIRE(tundra::resolve_user("tayga", a.files, &u, &error));  // a CRLF line too
  CHECK(u.name == "tayga");
  CHECK(u.uid == 120);
  CHECK(u.gid == 130u);
  REQUIRE(tundra::resolve_user("root", a.files, &u, &error));
  CHECK(u.uid == 0);
  // A number: the first entry with that uid gives the name and group.
  REQUIRE(tundra::resolve_user("65534", a.files, &u, &error));
  CHECK(u.name == "nobody");
  CHECK(u.gid == 65534u);
  // A number with no entry (a FROM-scratch image): the uid, no group.
  REQUIRE(tundra::resolve_user("4242", a.files, &u, &error));
  CHECK(u.name.empty());
  CHECK(u.uid == 4242);
  CHECK_FALSE(u.gid.has_value());
  // All digits is a uid, even where a user has that name (as tundra.toml's `user`).
  REQUIRE(tundra::resolve_user("1000", a.files, &u, &error));
  CHECK(u.uid == 1000);
  CHECK_FALSE(u.gid.has_value());
  // Comments, NIS markers and malformed lines are not users.
  for (const char* not_a_user : {"broken line without colons", "badid", "+nisuser", "nisuser", "alice", "Root"}) {
    INFO(not_a_user);
    CHECK_FALSE(tundra::resolve_user(not_a_user, a.files, &u, &error));
  }
  CHECK(error == "user 'Root' does not exist in " + a.files.passwd);
  // uid -1 is not an id; nor is anything past 32 bits.
  CHECK_FALSE(tundra::resolve_user("4294967295", a.files, &u, &error));
  CHECK(error == "user '4294967295' is not a valid uid (0..4294967294)");
  CHECK_FALSE(tundra::resolve_user("99999999999", a.files, &u, &error));
  CHECK_FALSE(tundra::resolve_user("", a.files, &u, &error));
}

TEST_CASE("Groups are found by name or number in /etc/group without NSS", "[tayga-cli]") {
  Accounts a;
  std::uint32_t gid = 0;
  std::string error;
  REQUIRE(tundra::resolve_group("nogroup", a.files, &gid, &error));
  CHECK(gid == 65534);
  REQUIRE(tundra::resolve_group("staff", a.files, &gid, &error));
  CHECK(gid == 50);
  REQUIRE(tundra::resolve_group("4242", a.files, &gid, &error));
  CHECK(gid == 4242);
  REQUIRE(tundra::resolve_group("7", a.files, &gid, &error));  // a gid, not the group named "7"
  CHECK(gid == 7);
  CHECK_FALSE(tundra::resolve_group("4294967295", a.files, &gid, &error));
  CHECK(error == "group '4294967295' is not a valid gid (0..4294967294)");
  CHECK_FALSE(tundra::resolve_group("-nisgroup", a.files, &gid, &error));
  CHECK_FALSE(tundra::resolve_group("wheel", a.files, &gid, &error));
  CHECK(error == "group 'wheel' does not exist in " + a.files.group);
}

TEST_CASE("Without /etc/passwd or /etc/group only numbers resolve", "[tayga-cli]") {
  AccountFiles none{"/nonexistent/passwd", "/nonexistent/group"};
  tundra::ResolvedUser u;
  std::uint32_t gid = 0;
  std::string error;
  CHECK(tundra::resolve_user("65534", none, &u, &error));
  CHECK(tundra::resolve_group("65534", none, &gid, &error));
  CHECK_FALSE(tundra::resolve_user("nobody", none, &u, &error));
  CHECK(error == "user 'nobody' does not exist in /nonexistent/passwd (it cannot be read)");
  CHECK_FALSE(tundra::resolve_group("nogroup", none, &gid, &error));
  CHECK(error == "group 'nogroup' does not exist in /nonexistent/group (it cannot be read)");
}

TEST_CASE("resolve_tayga_ids gives -u's primary group unless -g is given, and keeps root out of -r",
          "[tayga-cli]") {
  Accounts a;
  TaygaIds ids;
  std::string error;
  REQUIRE(tundra::resolve_tayga_ids(parse_ok({}), a.files, &ids, &error));
  CHECK_FALSE(ids.uid.has_value());
  CHECK_FALSE(ids.gid.has_value());

  REQUIRE(tundra::resolve_tayga_ids(parse_ok({"-u", "tayga"}), a.files, &ids, &error));
  CHECK(ids.uid == 120u);
  CHECK(ids.gid == 130u);  // not root's group, unlike Tayga
  REQUIRE(tundra::resolve_tayga_ids(parse_ok({"-u", "tayga", "-g", "nogroup"}), a.files, &ids, &error));
  CHECK(ids.gid == 65534u);
  REQUIRE(tundra::resolve_tayga_ids(parse_ok({"-g", "staff"}), a.files, &ids, &error));
  CHECK_FALSE(ids.uid.has_value());
  CHECK(ids.gid == 50u);
  REQUIRE(tundra::resolve_tayga_ids(parse_ok({"-r", "-u", "nobody"}), a.files, &ids, &error));
  CHECK(ids.uid == 65534u);

  // A bare uid with no entry has no known group: -g is needed.
  CHECK_FALSE(tundra::resolve_tayga_ids(parse_ok({"-u", "4242"}), a.files, &ids, &error));
  CHECK(error == "user '4242' has no entry in " + a.files.passwd + " to give its primary group; add -g GROUP");
  REQUIRE(tundra::resolve_tayga_ids(parse_ok({"-u", "4242", "-g", "4242"}), a.files, &ids, &error));
  CHECK(ids.uid == 4242u);
  CHECK(ids.gid == 4242u);

  // -r with root, by any name, is refused.
  for (const char* root : {"root", "0", "toor"}) {
    INFO(root);
    CHECK_FALSE(tundra::resolve_tayga_ids(parse_ok({"-r", "-u", root}), a.files, &ids, &error));
    CHECK(error == std::string("-r/--chroot needs -u with a non-root user ('") + root +
                       "' is uid 0): a chroot does not confine root");
  }
  CHECK_FALSE(tundra::resolve_tayga_ids(parse_ok({"-u", "nosuchuser"}), a.files, &ids, &error));
  CHECK(error == "user 'nosuchuser' does not exist in " + a.files.passwd);
  CHECK_FALSE(tundra::resolve_tayga_ids(parse_ok({"-u", "tayga", "-g", "nosuchgroup"}), a.files, &ids, &error));
  CHECK(error == "group 'nosuchgroup' does not exist in " + a.files.group);
}

TEST_CASE("The real /etc/passwd and /etc/group resolve root", "[tayga-cli]") {
  tundra::ResolvedUser u;
  std::uint32_t gid = 1;
  std::string error;
  REQUIRE(tundra::resolve_user("root", AccountFiles{}, &u, &error));
  CHECK(u.uid == 0);
  REQUIRE(tundra::resolve_group("root", AccountFiles{}, &gid, &error));
  CHECK(gid == 0);
}
