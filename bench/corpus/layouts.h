// Layout table of the synthetic corpus (internal to the generator).
#pragma once

#include <string>
#include <vector>

#include "canvas.h"
#include "content.h"
#include "corpus.h"

namespace salus::corpus::internal {

struct LayoutDef {
  const char* name;
  const char* kind;
  Split split;
  double width_pt, height_pt;
  void (*draw)(Canvas&, const Content&);
  void (*truth)(const Content&, Truth&);
};

const std::vector<LayoutDef>& LayoutDefs();

}  // namespace salus::corpus::internal
