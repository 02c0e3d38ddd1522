#pragma once

namespace relax
{
  /// The project version, e.g. "0.1.0".
  const char *
  version();

  /// `git describe --always --dirty` of the source tree at build time.
  const char *
  git_commit();
} // namespace relax
