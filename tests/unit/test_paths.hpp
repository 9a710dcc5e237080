// Where the checkout and the specification directory are (KANON_SOURCE_DIR
// and KANON_SHARED_DIR in the tests call these). One small source,
// test_paths.cpp, holds the paths, so that no other test object names the
// clone's directory and ccache shares them between clones.
#pragma once

const char* kanon_test_source_dir();
const char* kanon_test_shared_dir();
