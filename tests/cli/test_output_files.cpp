// Output files of the CLI (src/cli/output_file.hpp): checked before the work, written to a
// temporary file and renamed into place only when complete, never reported written when they are
// not, Ctrl+C honoured while writing; `dynlib run --out` streams long runs to disk.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "cli/cli_runner.hpp"
#include "cli/interrupt.hpp"
#include "cli/output_file.hpp"
#include "dsl/temp_dir.hpp"

namespace {

using dynlib::testing::contains;
using dynlib::testing::parse_csv;
using dynlib::testing::run_dynlib_cli;
using dynlib::testing::slurp;
using dynlib::testing::TempDir;
namespace fs = std::filesystem;

// Every file in `dir` whose name starts with '.': temporary files left behind.
std::vector<std::string> hidden_files(const std::string& dir) {
  std::vector<std::string> found;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string()[0] == '.') found.push_back(e.path().string());
  return found;
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

TEST(OutputFiles, AnUnwritablePathFailsBeforeTheWorkInEveryCommand) {
  TempDir dir;
  const std::string bad = "/nonexistent-dynlib-dir/x.csv";
  const std::vector<std::string> commands = {
      // Each would take minutes if it ran first: the path is checked before the work.
      "run builtin://map/logistic --N 2000000000",
      "sweep builtin://map/logistic --param r=2.5:4:1000000 --N 1000",
      "bifurcation builtin://map/logistic --param r=2.5:4:1000000 --var x --N 1000",
      "lyapunov builtin://map/logistic --N 2000000000",
      "basin builtin://map/henon --ic x=-2:2:3000 --ic y=-2:2:3000 --auto",
      "fixed-points builtin://map/henon --seed x=0,y=0",
      "manifold builtin://map/henon --fixed-point x=0.63,y=0.19",
  };
  for (const auto& c : commands) {
    SCOPED_TRACE(c);
    const auto r = run_dynlib_cli(c + " --out " + bad, dir.str());
    EXPECT_EQ(r.code, 1) << r.err;
    EXPECT_TRUE(contains(r.err, "cannot write '" + bad + "'")) << r.err;
    EXPECT_FALSE(contains(r.out, "wrote")) << r.out;
  }
  const auto r = run_dynlib_cli("run builtin://ode/lorenz --T 1 --out " + dir.str(), dir.str());
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "is a directory")) << r.err;
}

TEST(OutputFiles, AFullDiskIsAnErrorNeverASuccess) {
  TempDir dir;
  // /dev/full: every write fails with ENOSPC (written in place: it is not a regular file).
  const auto r = run_dynlib_cli("run builtin://ode/lorenz --T 5 --out /dev/full", dir.str());
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_TRUE(contains(r.err, "error writing '/dev/full'")) << r.err;
  EXPECT_TRUE(contains(r.err, "No space left on device")) << r.err;
  EXPECT_FALSE(contains(r.out, "wrote")) << r.out;
}

TEST(OutputFiles, AReplacedFileIsSwappedWholeKeepingItsModeAndLinks) {
  TempDir dir;
  const std::string real = dir.str() + "/real.csv", link = dir.str() + "/link.csv";
  write_text(real, "old\n");
  ::chmod(real.c_str(), 0640);
  fs::create_symlink(real, link);
  const auto r = run_dynlib_cli("run builtin://ode/lorenz --T 1 --out " + link, dir.str());
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(fs::is_symlink(link));
  const auto rows = parse_csv(slurp(real));
  ASSERT_EQ(rows.size(), 102u);  // header + 101 samples
  EXPECT_EQ(rows[0][0], "t");
  struct stat st {};
  ASSERT_EQ(::stat(real.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
  EXPECT_TRUE(hidden_files(dir.str()).empty());
}

TEST(OutputFiles, ALongRunStreamsEveryRowOnceAcrossItsParts) {
  TempDir dir;
  const std::string out = dir.str() + "/x.csv";
  // 200 001 samples: handed over in parts of 65 536 rows.
  const auto r = run_dynlib_cli("run builtin://map/logistic --N 200000 --out " + out, dir.str());
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "wrote 200001 samples")) << r.out;
  const auto rows = parse_csv(slurp(out));
  ASSERT_EQ(rows.size(), 200002u);
  for (size_t i = 1; i < rows.size(); ++i) {
    ASSERT_EQ(rows[i].size(), rows[0].size()) << i;
    ASSERT_EQ(rows[i][0], std::to_string(i - 1)) << "row " << i;
  }
}

TEST(OutputFiles, NoCsvHeaderRepeatsAColumn) {
  TempDir dir;
  const std::string out = dir.str() + "/spikes.csv";
  // leaky-if logs "t": the events file already has a t column.
  const auto r =
      run_dynlib_cli("run builtin://ode/leaky-if --T 100 --set I=20 --out " + out, dir.str());
  ASSERT_EQ(r.code, 0) << r.err;
  for (const std::string& path : {out, dir.str() + "/spikes.events.csv"}) {
    const auto rows = parse_csv(slurp(path));
    ASSERT_GT(rows.size(), 1u) << path;
    const std::set<std::string> unique(rows[0].begin(), rows[0].end());
    EXPECT_EQ(unique.size(), rows[0].size()) << path << ": " << slurp(path).substr(0, 80);
  }
  EXPECT_EQ(parse_csv(slurp(dir.str() + "/spikes.events.csv"))[0],
            (std::vector<std::string>{"event", "t", "log.t"}));
}

TEST(OutputFiles, CtrlCDuringALongRunKeepsACompleteFile) {
  TempDir dir;
  const std::string out = dir.str() + "/long.csv";
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, 1);
    ::dup2(null, 2);
    ::execl(DYNLIB_CLI_PATH, DYNLIB_CLI_PATH, "run", "builtin://map/logistic", "--N", "2000000000",
            "--out", out.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  // Wait until the run has streamed a part to its temporary file (bounded: 60 s).
  bool streaming = false;
  for (int i = 0; i < 600 && !streaming; ++i) {
    for (const auto& f : hidden_files(dir.str()))
      if (fs::file_size(f) > 0) streaming = true;
    if (!streaming) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ::kill(pid, SIGINT);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(streaming);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 130);
  // The run stopped; what it computed was written whole: every row complete, none missing.
  const std::string text = slurp(out);
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');
  const auto rows = parse_csv(text);
  ASSERT_GE(rows.size(), 65537u);  // at least the part that was streamed
  for (size_t i = 1; i < rows.size(); ++i) {
    ASSERT_EQ(rows[i].size(), 2u) << i;
    ASSERT_EQ(rows[i][0], std::to_string(i - 1)) << i;
  }
  EXPECT_TRUE(hidden_files(dir.str()).empty());
}

TEST(OutputFiles, CtrlCWhileWritingCommitsNothing) {
  TempDir dir;
  const std::string path = dir.str() + "/x.csv";
  write_text(path, "old\n");
  {
    dynlib::cli::OutputFile out(path);
    out.write("a,b\n");
    out.honour_interrupts();
    std::raise(SIGINT);  // the scope's handler raises the flag
    EXPECT_THROW(out.write("1,2\n"), dynlib::cli::Interrupted);
  }
  EXPECT_EQ(slurp(path), "old\n");
  EXPECT_TRUE(hidden_files(dir.str()).empty());
}

TEST(OutputFiles, OnlyACommittedFileReplacesItsTarget) {
  TempDir dir;
  const std::string path = dir.str() + "/x.csv";
  write_text(path, "old\n");
  {
    dynlib::cli::OutputFile out(path);
    out.write("new\n");
    EXPECT_EQ(slurp(path), "old\n");  // not yet
  }
  EXPECT_EQ(slurp(path), "old\n");  // dropped without commit
  {
    dynlib::cli::OutputFile out(path);
    out.write("new\n");
    out.commit();
  }
  EXPECT_EQ(slurp(path), "new\n");
  EXPECT_TRUE(hidden_files(dir.str()).empty());
  {
    dynlib::cli::OutputFile out(path);
    out.discard(/*remove_target=*/true);
  }
  EXPECT_FALSE(fs::exists(path));
  // A new file gets the mode the umask gives any new file (not the temporary file's 0600).
  const mode_t saved = ::umask(027);
  {
    dynlib::cli::OutputFile out(path);
    out.write("new\n");
    out.commit();
  }
  ::umask(saved);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
}

}  // namespace
