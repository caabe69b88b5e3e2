// The I/O module (core/io/io.hpp): atomic writes that never follow a planted
// link and never replace anything but a regular file, readers that refuse
// directories, devices and oversized files, and exact number text.
#include "io/io.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <vector>

#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"
#include "io/json.hpp"
#include "support/command.hpp"
#include "support/error_message.hpp"

namespace dagrad {
namespace {

namespace fs = std::filesystem;
using testing_support::error_message;
using testing_support::read_text;

class Io : public testing_support::ScratchDirectoryTest {};

std::size_t entries(const fs::path& dir) {
  return std::size_t(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

TEST_F(Io, WritesTheWholeFileAndReplacesARegularFileKeepingItsPermissions) {
  std::string target = path("out.json");
  io::write_file_atomically(target, "first");
  ::chmod(target.c_str(), 0640);
  io::write_file_atomically(target, "second");
  EXPECT_EQ(read_text(target), "second");
  struct stat info {};
  ASSERT_EQ(::stat(target.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 07777, 0640u);
  EXPECT_EQ(entries(dir_), 1u);  // no temporary file left behind
}

// The temporary file is created exclusively: a symbolic link planted at its
// name (to a file, or dangling) is skipped, never written through.
TEST_F(Io, APlantedLinkAtTheTemporaryNameIsNeverFollowed) {
  std::string victim = write("victim.txt", "precious");
  fs::create_symlink(victim, path("planted"));
  fs::create_symlink(path("would-be-created"), path("dangling"));
  std::vector<std::string> names{path("planted"), path("dangling"), path("fresh")};
  std::size_t next = 0;
  io::write_file_atomically(path("out.json"), "content", [&] { return names.at(next++); });
  EXPECT_EQ(next, 3u);
  EXPECT_EQ(read_text(path("out.json")), "content");
  EXPECT_EQ(read_text(victim), "precious");
  EXPECT_FALSE(fs::exists(path("would-be-created")));
  EXPECT_TRUE(fs::is_symlink(path("planted")));
  EXPECT_FALSE(fs::exists(path("fresh")));  // renamed onto out.json
}

// Issue 16's reproducer: main wrote `m.json.tmp-PID-0` with a plain stream,
// so a link planted there redirected the save.
TEST_F(Io, SavingParametersIgnoresALinkAtTheOldPredictableTemporaryName) {
  std::string victim = write("victim.txt", "precious");
  std::string target = path("m.json");
  for (int i = 0; i < 4; ++i) fs::create_symlink(victim, fmt::format("{}.tmp-{}-{}", target, ::getpid(), i));
  Graph g;
  Expr w = g.parameter("w", Tensor{{1.0, 2.0}});
  Expr parameters[] = {w};
  save_parameters(target, parameters);
  EXPECT_EQ(read_text(victim), "precious");
  EXPECT_NE(read_text(target).find("\"w\""), std::string::npos);
}

TEST_F(Io, ATargetThatIsASymbolicLinkIsRefusedAndLeftAsItIs) {
  std::string victim = write("victim.txt", "precious");
  fs::create_symlink(victim, path("link.json"));
  EXPECT_EQ(error_message<FileError>([&] { io::write_file_atomically(path("link.json"), "new"); }),
            fmt::format("cannot write \"{}\": it is a symbolic link (to \"{}\"); dagrad replaces only regular files, "
                        "so name the link's target instead",
                        path("link.json"), victim));
  EXPECT_TRUE(fs::is_symlink(path("link.json")));
  EXPECT_EQ(read_text(victim), "precious");
  EXPECT_EQ(entries(dir_), 2u);
}

// A FIFO stands in for a device such as /dev/full: replacing it with a
// regular file is what main did.
TEST_F(Io, ATargetThatIsAFifoOrADirectoryIsRefusedAndLeftAsItIs) {
  ASSERT_EQ(::mkfifo(path("pipe").c_str(), 0600), 0);
  EXPECT_EQ(error_message<FileError>([&] { io::write_file_atomically(path("pipe"), "x"); }),
            fmt::format("cannot write \"{}\": it is a FIFO (named pipe), not a regular file; dagrad replaces only "
                        "regular files",
                        path("pipe")));
  EXPECT_TRUE(fs::is_fifo(path("pipe")));

  fs::create_directory(path("folder"));
  EXPECT_EQ(error_message<FileError>([&] { io::write_file_atomically(path("folder"), "x"); }),
            fmt::format("cannot write \"{}\": it is a directory, not a regular file; dagrad replaces only regular "
                        "files",
                        path("folder")));
  EXPECT_TRUE(fs::is_directory(path("folder")));
  EXPECT_EQ(entries(dir_), 2u);
}

TEST_F(Io, AMissingDirectoryIsNamed) {
  std::string missing = path("no such directory/out.json");
  EXPECT_EQ(error_message<FileError>([&] { io::write_file_atomically(missing, "x"); }),
            fmt::format("cannot write \"{}\": cannot create a temporary file in \"{}\": No such file or directory",
                        missing, path("no such directory")));
}

TEST_F(Io, ReadsRegularFilesAndRefusesDirectoriesDevicesAndOversizedFiles) {
  EXPECT_EQ(io::read_file(write("small.txt", "hello")), "hello");
  EXPECT_EQ(error_message<FileError>([&] { io::read_file(path("missing")); }),
            fmt::format("cannot open \"{}\": No such file or directory", path("missing")));
  EXPECT_EQ(error_message<FileError>([&] { io::read_file(dir_.string()); }),
            fmt::format("cannot open \"{}\": is a directory", dir_.string()));
  // /dev/zero never ends: reading it would exhaust memory.
  EXPECT_EQ(error_message<FileError>([&] { io::read_file("/dev/zero"); }),
            "cannot open \"/dev/zero\": is a character device, not a regular file");
  EXPECT_EQ(error_message<FileError>([&] { io::read_file(path("small.txt"), 4); }),
            fmt::format("cannot read \"{}\": the file is larger than the limit of 4 bytes", path("small.txt")));
}

// A FIFO nobody writes to reads as empty instead of blocking for ever.
TEST_F(Io, AFifoWithoutAWriterReadsAsEmptyWithoutHanging) {
  ASSERT_EQ(::mkfifo(path("pipe").c_str(), 0600), 0);
  EXPECT_EQ(io::read_file(path("pipe")), "");
}

TEST(IoNumbers, EveryDoubleReadsBackBitForBitAndNonFiniteValuesAreStrings) {
  const double values[] = {0.1,
                           -0.0,
                           0.0,
                           1.0 / 3.0,
                           1e308,
                           -2.5e-300,
                           std::numeric_limits<double>::denorm_min(),
                           std::numeric_limits<double>::max(),
                           123456789012345678.0,
                           std::numeric_limits<double>::infinity(),
                           -std::numeric_limits<double>::infinity()};
  for (double v : values) {
    std::string text = io::format_number(v);
    nlohmann::json json = io::parse_json(text, "number");
    std::optional<double> back = io::json_number(json);
    ASSERT_TRUE(back.has_value()) << text;
    EXPECT_EQ(std::memcmp(&v, &*back, sizeof v), 0) << text;
  }
  EXPECT_EQ(io::format_number(std::nan("")), "\"NaN\"");
  EXPECT_TRUE(std::isnan(*io::json_number(io::parse_json("\"NaN\"", "n"))));
  EXPECT_EQ(io::format_number(-0.0), "-0.0");
  EXPECT_EQ(io::format_number(std::numeric_limits<double>::infinity()), "\"Infinity\"");
  EXPECT_FALSE(io::special_number("nan").has_value());
}

// nlohmann-json reports an out-of-range number with no position; the parser
// gives the line and column.
TEST(IoJson, ANumberNoDoubleCanHoldIsAnErrorWithItsLine) {
  EXPECT_EQ(error_message<FileError>([] { io::parse_json("{\n  \"a\": [1,\n 1e400]}", "f.json"); }),
            "f.json:3:6: not valid JSON: number overflow parsing '1e400'");
  EXPECT_EQ(error_message<FileError>([] { io::parse_json("{\"a\": }", "f.json"); }),
            "f.json:1:7: not valid JSON: syntax error while parsing value - unexpected '}'; expected '[', '{', or "
            "a literal");
}

TEST(IoJson, ShapesAreCheckedBeforeAnythingIsAllocated) {
  EXPECT_EQ(error_message<Error>([] { io::json_shape(nlohmann::json::parse("[18446744073709551615]"), "t"); }),
            "t: \"shape\" dimensions must be non-negative integers, got the number 18446744073709551615");
  EXPECT_EQ(error_message<Error>([] { io::json_shape(nlohmann::json::parse("[274177, 67280421310721]"), "t"); }),
            "t: \"shape\" [274177, 67280421310721] has more elements than a tensor can hold");
  EXPECT_EQ(io::json_shape(nlohmann::json::parse("[2, 0, 3]"), "t"), (Shape{2, 0, 3}));
}

}  // namespace
}  // namespace dagrad
