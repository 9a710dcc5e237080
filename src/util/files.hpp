// Reading whole files with a size limit, and atomic writes (temp file in the
// same directory, fsync, rename) that keep the original file's mode.
#pragma once

#include <cstddef>
#include <string>

#include "util/error.hpp"

namespace kanon {

inline constexpr std::size_t k_default_max_file_size = std::size_t{16} * 1024 * 1024;

Result<std::string> read_file(const std::string& path, std::size_t max_size = k_default_max_file_size);
Status write_file_atomic(const std::string& path, const std::string& content);
bool file_exists(const std::string& path);
// Where `root`/`rel` really is when a symlink on the way takes it out of
// `root` (Argo CD refuses such files in a repository), else "".
std::string symlink_outside(const std::string& root, const std::string& rel);
// When the file system holding `path` (or its nearest existing parent) has
// less than 1 MiB left: " (the disk holding PATH is full: N KiB free)", to
// append to an error that may not say so itself (git's often do not). Else "".
std::string full_disk_note(const std::string& path);

}  // namespace kanon
