// The I/O module; the rules are stated in io.hpp.
#include "io/io.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>

#include <fmt/format.h>

#include "dagrad/error.hpp"

namespace dagrad::io {
namespace {

// Closes a file descriptor when it goes out of scope.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  // Closes now and reports close's own error (which can be a delayed write
  // error): 0 or an errno value.
  int close() {
    int result = ::close(fd_) == 0 ? 0 : errno;
    fd_ = -1;
    return result;
  }

 private:
  int fd_;
};

// "a directory", "a FIFO", ...: what a non-regular file is, for messages.
std::string_view file_kind(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISFIFO(mode)) return "a FIFO (named pipe)";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISLNK(mode)) return "a symbolic link";
  return "not a regular file";
}

[[noreturn]] void fail(std::string_view verb, const std::string& path, std::string_view reason) {
  throw FileError(fmt::format("cannot {} \"{}\": {}", verb, path, reason));
}

[[noreturn]] void fail_errno(std::string_view verb, const std::string& path, int error) {
  fail(verb, path, std::strerror(error));
}

// The directory a path's file lives in ("." for a bare name), and its name.
std::pair<std::string, std::string> split_path(const std::string& path) {
  std::size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return {".", path};
  return {slash == 0 ? "/" : path.substr(0, slash), path.substr(slash + 1)};
}

// ".NAME.tmp-" and 12 random letters or digits, beside the target: 62^12
// names, drawn from a per-thread generator seeded by the system's entropy,
// so nobody can guess (or plant something at) the name in advance.
std::string random_temporary_name(const std::string& path) {
  static constexpr std::string_view alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  thread_local std::mt19937_64 engine{[] {
    std::random_device device;
    std::seed_seq seed{device(), device(), device(), device()};
    return std::mt19937_64(seed);
  }()};
  std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
  auto [directory, name] = split_path(path);
  std::string temporary = (directory == "/" ? std::string() : directory) + "/." + name + ".tmp-";
  for (int i = 0; i < 12; ++i) temporary += alphabet[pick(engine)];
  return temporary;
}

void write_all(int fd, std::string_view content, const std::string& path) {
  std::size_t written = 0;
  while (written < content.size()) {
    ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail_errno("write", path, errno);
    }
    written += std::size_t(n);
  }
}

}  // namespace

std::string read_file(const std::string& path, std::int64_t max_bytes) {
  // O_NONBLOCK: opening a FIFO that has no writer must not hang. It is
  // cleared below for the read itself.
  int raw = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (raw < 0) fail_errno("open", path, errno);
  FileDescriptor fd(raw);
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) fail_errno("open", path, errno);
  if (S_ISDIR(info.st_mode)) fail("open", path, "is a directory");
  if (!S_ISREG(info.st_mode) && !S_ISFIFO(info.st_mode)) {
    fail("open", path, fmt::format("is {}, not a regular file", file_kind(info.st_mode)));
  }
  auto too_large = [&] {
    fail("read", path, fmt::format("the file is larger than the limit of {} bytes", max_bytes));
  };
  if (S_ISREG(info.st_mode) && info.st_size > max_bytes) too_large();
  int flags = ::fcntl(fd.get(), F_GETFL);
  if (flags < 0 || ::fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK) != 0) fail_errno("read", path, errno);

  std::string content;
  if (S_ISREG(info.st_mode)) content.reserve(std::size_t(info.st_size));
  char buffer[65536];
  while (true) {
    ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail_errno("read", path, errno);
    }
    if (n == 0) break;
    if (std::int64_t(content.size()) + n > max_bytes) too_large();
    content.append(buffer, std::size_t(n));
  }
  return content;
}

void write_file_atomically(const std::string& path, std::string_view content) {
  write_file_atomically(path, content, [&] { return random_temporary_name(path); });
}

void write_file_atomically(const std::string& path, std::string_view content,
                           const std::function<std::string()>& next_temporary_name) {
  if (path.empty()) throw FileError("cannot write a file with an empty name");
  // What is there now: nothing, or a regular file to replace. (Should it
  // change between this check and the rename, rename still replaces the
  // name itself and never writes through a link.)
  struct stat target {};
  bool replacing = false;
  if (::lstat(path.c_str(), &target) == 0) {
    if (S_ISLNK(target.st_mode)) {
      std::string destination(4096, '\0');
      ssize_t n = ::readlink(path.c_str(), destination.data(), destination.size());
      destination.resize(n < 0 ? 0 : std::size_t(n));
      fail("write", path, fmt::format("it is a symbolic link (to \"{}\"); dagrad replaces only regular files, so "
                                      "name the link's target instead", destination));
    }
    if (!S_ISREG(target.st_mode)) {
      fail("write", path, fmt::format("it is {}, not a regular file; dagrad replaces only regular files",
                                      file_kind(target.st_mode)));
    }
    replacing = true;
  } else if (errno != ENOENT) {
    fail_errno("write", path, errno);
  }

  // A new file that nobody else can have opened: O_EXCL fails on any
  // existing name, and O_NOFOLLOW makes sure a planted link is not followed.
  std::string temporary;
  int raw = -1;
  for (int attempt = 0; attempt < 100 && raw < 0; ++attempt) {
    temporary = next_temporary_name();
    raw = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (raw < 0 && errno != EEXIST) {
      fail("write", path, fmt::format("cannot create a temporary file in \"{}\": {}", split_path(path).first,
                                      std::strerror(errno)));
    }
  }
  if (raw < 0) fail("write", path, "no free temporary file name after 100 attempts");
  FileDescriptor fd(raw);
  try {
    write_all(fd.get(), content, path);
    // A replaced file keeps its permission bits (a new one gets 0666 less
    // the umask, from open).
    if (replacing && ::fchmod(fd.get(), target.st_mode & 07777) != 0) fail_errno("write", path, errno);
    if (::fsync(fd.get()) != 0) fail_errno("write", path, errno);
    if (int error = fd.close(); error != 0) fail_errno("write", path, error);
    if (::rename(temporary.c_str(), path.c_str()) != 0) fail_errno("write", path, errno);
  } catch (...) {
    ::unlink(temporary.c_str());
    throw;
  }
  // The rename is durable once the directory is flushed. Some file systems
  // cannot fsync a directory (EINVAL); the file is in place either way.
  FileDescriptor directory(::open(split_path(path).first.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (directory.get() >= 0 && ::fsync(directory.get()) != 0 && errno != EINVAL && errno != EROFS) {
    fail_errno("write", path, errno);
  }
}

std::string format_number(double value) {
  if (std::isnan(value)) return "\"NaN\"";
  if (std::isinf(value)) return value > 0 ? "\"Infinity\"" : "\"-Infinity\"";
  // "-0" would read back as the integer 0, losing the sign.
  if (value == 0 && std::signbit(value)) return "-0.0";
  return fmt::format("{}", value);  // shortest round-trip (Dragonbox)
}

std::string format_number(float value) {
  if (!std::isfinite(value) || (value == 0 && std::signbit(value))) return format_number(double(value));
  std::string text = fmt::format("{}", value);  // shortest that reads back as this float
  // Read back as every reader here reads it: to the nearest double, then
  // to the nearest float. Rounding twice could in principle land on the
  // neighbouring float; then the double's exact digits are written instead.
  if (narrow_to_float32(std::strtod(text.c_str(), nullptr)) != value) return format_number(double(value));
  return text;
}

std::string format_element(const TensorView& view, std::int64_t index) {
  if (view.dtype() == DType::float32) return format_number(view.data<float>()[index]);
  return format_number(view.get(index));
}

std::optional<float> narrow_to_float32(double value) {
  constexpr double largest = std::numeric_limits<float>::max();
  if (std::isnan(value) || std::abs(value) <= largest) return static_cast<float>(value);
  if (std::isinf(value)) return value > 0 ? std::numeric_limits<float>::infinity() : -std::numeric_limits<float>::infinity();
  // Between the largest float and the point half an ulp above it, rounding
  // to nearest gives the largest float (a cast out of range would be
  // undefined behaviour, so it is not cast).
  const double overflow = std::ldexp(1.0, 128) - std::ldexp(1.0, 103);
  if (std::abs(value) < overflow) return value > 0 ? float(largest) : -float(largest);
  return std::nullopt;
}

std::optional<double> special_number(std::string_view text) {
  if (text == "NaN") return std::numeric_limits<double>::quiet_NaN();
  if (text == "Infinity") return std::numeric_limits<double>::infinity();
  if (text == "-Infinity") return -std::numeric_limits<double>::infinity();
  return std::nullopt;
}

}  // namespace dagrad::io
