// The I/O module: every file dagrad reads or writes goes through here, so
// that one set of rules holds for graph files, parameter files, CSV data,
// gradient-check reports and diagrams.
//
// Writing. A file is written whole or not at all: the content goes to a new
// temporary file in the target's directory, created exclusively
// (O_CREAT | O_EXCL | O_NOFOLLOW, so a name planted there, symbolic link or
// not, is never opened), flushed to disk (fsync), then renamed over the
// target, and the directory is flushed so the rename survives a crash. The
// target must be absent or a regular file. Anything else existing at that
// name is refused with a FileError and left untouched: a directory, a FIFO,
// a device (`--save /dev/full` would otherwise replace the device with a
// regular file) and a symbolic link, even one to a regular file (following
// it would let whoever planted the link choose which file dagrad
// overwrites; replacing it would silently break the user's link). Write to
// the link's target by its own name instead.
//
// Reading. Regular files and pipes are read; directories, devices and
// sockets are refused (`/dev/zero` would never end), and so is anything
// larger than max_file_bytes. Messages are `cannot open "PATH": reason` and
// `cannot read "PATH": reason`.
//
// Numbers. format_number writes the shortest decimal that reads back to the
// same double (at most 17 significant digits), and the non-finite values as
// the JSON strings "NaN", "Infinity" and "-Infinity" (JavaScript's names);
// special_number reads those strings back. A float32 value is written in the
// shortest decimal that reads back (through a double, as every reader here
// reads numbers) to the same float (at most 9 significant digits);
// narrow_to_float32 is that read.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "dagrad/tensor.hpp"

namespace dagrad::io {

// The largest file a reader accepts: 1 GiB. A 1,000,000-node graph file is
// about 100 MB.
inline constexpr std::int64_t max_file_bytes = std::int64_t(1) << 30;

// The whole content of `path`. Throws FileError (see above).
std::string read_file(const std::string& path, std::int64_t max_bytes = max_file_bytes);

// Writes `content` to `path` whole or not at all. Throws FileError naming
// the path and the reason; on failure the target is unchanged and no
// temporary file is left behind.
void write_file_atomically(const std::string& path, std::string_view content);

// The same with the temporary names given by `next_temporary_name` (called
// until a name can be created), for tests that plant files at those names.
void write_file_atomically(const std::string& path, std::string_view content,
                           const std::function<std::string()>& next_temporary_name);

// "0.1", "1e+300", "-0.0" (the sign of zero kept), "\"NaN\"", "\"Infinity\"",
// "\"-Infinity\"": valid JSON, and reads back bit for bit (NaN's payload
// aside).
std::string format_number(double value);

// "0.1" for 0.1f (not the double 0.10000000149011612), the sign of zero and
// the non-finite values as format_number: reads back bit for bit through
// a double and narrow_to_float32 (NaN's payload aside).
std::string format_number(float value);
// Element `index` of `view` in its own dtype's shortest form.
std::string format_element(const TensorView& view, std::int64_t index);

// `value` rounded to float32 (to nearest, ties to even, as a cast), or
// nullopt when it is finite but too large for float32 (|value| >= 2^128 -
// 2^103, which rounds to an infinity): the caller names where it was read.
// Tiny values round to a subnormal or zero, as a cast does.
std::optional<float> narrow_to_float32(double value);

// The value of "NaN", "Infinity" or "-Infinity"; nullopt for any other text.
std::optional<double> special_number(std::string_view text);

}  // namespace dagrad::io
