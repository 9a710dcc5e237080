#include "unit/test_paths.hpp"

const char* kanon_test_source_dir()
{
    return KANON_SOURCE_PATH;
}

const char* kanon_test_shared_dir()
{
    return KANON_SHARED_PATH;
}
