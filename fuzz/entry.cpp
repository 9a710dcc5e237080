// The libFuzzer entry of one target: compiled once per target with
// KANON_FUZZ_TARGET set to its name (fuzz/CMakeLists.txt).
#include <cstddef>
#include <cstdint>

#include "targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    return kanon::fuzz::KANON_FUZZ_TARGET(data, size);
}
