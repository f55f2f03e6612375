#include "capture/decode.h"

#include <leptonica/allheaders.h>
#include <poppler/cpp/poppler-document.h>
#include <poppler/cpp/poppler-global.h>
#include <poppler/cpp/poppler-image.h>
#include <poppler/cpp/poppler-page-renderer.h>
#include <poppler/cpp/poppler-page.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>

#include <fmt/format.h>

namespace salus::capture {
namespace {

constexpr int kMinTextLayerWords = 8;

Error Refuse(std::string code, std::string message) {
  Error e = Error::Invalid(message);
  if (!e.issues.empty()) e.issues.front().code = std::move(code);
  else e.issues.push_back({Issue::Severity::kError, std::move(code), std::move(message), {}});
  return e;
}

// Poppler and Leptonica print diagnostics to stderr; a document's content must never reach a
// log, so both are silenced once per process.
void SilenceLibraries() {
  static std::once_flag once;
  std::call_once(once, [] {
    setMsgSeverity(L_SEVERITY_NONE);
    poppler::set_debug_error_function([](const std::string&, void*) {}, nullptr);
  });
}

Result<std::vector<Page>> DecodeRaster(std::string_view bytes, FileKind kind,
                                       const DecodeLimits& limits) {
  auto data = reinterpret_cast<const l_uint8*>(bytes.data());
  int pages = 1;
  if (kind == FileKind::kTiff) {
    // Count the directories by reading headers until one is missing, without decoding pixels.
    pages = 0;
    for (;;) {
      l_int32 w = 0, h = 0, bps = 0, spp = 0, res = 0, cmap = 0, format = 0;
      if (readHeaderMemTiff(data, bytes.size(), pages, &w, &h, &bps, &spp, &res, &cmap, &format) !=
          0)
        break;
      if (++pages > limits.max_pages)
        return std::unexpected(Refuse("too-costly", fmt::format(
            "the TIFF has more than {} pages", limits.max_pages)));
    }
    if (pages == 0) return std::unexpected(Refuse("invalid", "the TIFF file cannot be read"));
  }
  std::vector<Page> out;
  int64_t total = 0;
  for (int n = 0; n < pages; ++n) {
    l_int32 w = 0, h = 0, bps = 0, spp = 0, res = 0, cmap = 0, format = 0;
    bool header_ok =
        kind == FileKind::kTiff
            ? readHeaderMemTiff(data, bytes.size(), n, &w, &h, &bps, &spp, &res, &cmap, &format) == 0
            : pixReadHeaderMem(data, bytes.size(), &format, &w, &h, &bps, &spp, &cmap) == 0;
    if (!header_ok || w <= 0 || h <= 0)
      return std::unexpected(Refuse("invalid", fmt::format(
          "the {} file's header cannot be read", FileKindName(kind))));
    int64_t pixels = static_cast<int64_t>(w) * h;
    if (pixels > limits.max_page_pixels)
      return std::unexpected(Refuse("too-costly", fmt::format(
          "page {} is {}x{} pixels; the limit is {} megapixels", n + 1, w, h,
          limits.max_page_pixels / 1'000'000)));
    total += pixels;
    if (total > limits.max_total_pixels)
      return std::unexpected(Refuse("too-costly", "the pages together exceed the pixel limit"));
    if (std::min(w, h) < limits.min_side)
      return std::unexpected(Refuse("invalid", fmt::format(
          "page {} is {}x{} pixels, too small to read; take the photo closer or scan at 300 dpi",
          n + 1, w, h)));
    Pix* pix = kind == FileKind::kTiff ? pixReadMemTiff(data, bytes.size(), n)
                                       : pixReadMem(data, bytes.size());
    if (pix == nullptr)
      return std::unexpected(Refuse("invalid", fmt::format(
          "page {} of the {} file is damaged and cannot be decoded", n + 1, FileKindName(kind))));
    Page page;
    page.image = Image(pix);
    page.width = page.image.width();
    page.height = page.image.height();
    page.dpi = page.image.dpi();
    // A JPEG's EXIF orientation is not applied here; orientation is detected from the text.
    out.push_back(std::move(page));
  }
  return out;
}

std::string Utf8(const poppler::ustring& s) {
  poppler::byte_array bytes = s.to_utf8();
  return std::string(bytes.begin(), bytes.end());
}

Result<std::vector<Page>> DecodePdf(std::string_view bytes, const DecodeLimits& limits) {
  std::unique_ptr<poppler::document> doc(
      poppler::document::load_from_raw_data(bytes.data(), static_cast<int>(bytes.size())));
  if (!doc) return std::unexpected(Refuse("invalid", "the PDF is damaged and cannot be read"));
  if (doc->is_locked())
    return std::unexpected(Refuse("invalid", "the PDF is password-protected"));
  int count = doc->pages();
  if (count <= 0) return std::unexpected(Refuse("invalid", "the PDF has no pages"));
  if (count > limits.max_pages)
    return std::unexpected(Refuse("too-costly", fmt::format(
        "the PDF has {} pages; the limit is {}", count, limits.max_pages)));

  poppler::page_renderer renderer;
  renderer.set_image_format(poppler::image::format_gray8);
  renderer.set_render_hint(poppler::page_renderer::antialiasing, true);
  renderer.set_render_hint(poppler::page_renderer::text_antialiasing, true);

  std::vector<Page> out;
  int64_t total = 0;
  for (int i = 0; i < count; ++i) {
    std::unique_ptr<poppler::page> page(doc->create_page(i));
    if (!page) return std::unexpected(Refuse("invalid", fmt::format("PDF page {} cannot be read", i + 1)));
    poppler::rectf rect = page->page_rect();
    double w_in = rect.width() / 72.0, h_in = rect.height() / 72.0;
    if (!(w_in > 0.5 && h_in > 0.5 && w_in < 200 && h_in < 200))
      return std::unexpected(Refuse("invalid", fmt::format(
          "PDF page {} measures {:.1f}x{:.1f} inches; not a document page", i + 1, w_in, h_in)));
    // Large pages are rendered at a lower resolution rather than past the pixel limit.
    double dpi = limits.pdf_dpi;
    double budget = std::sqrt(static_cast<double>(limits.max_page_pixels) / (w_in * h_in));
    dpi = std::min(dpi, std::floor(budget));
    if (dpi < 100)
      return std::unexpected(Refuse("too-costly", fmt::format(
          "PDF page {} is too large to render at a readable resolution", i + 1)));
    Page out_page;
    out_page.dpi = static_cast<int>(dpi);
    out_page.width = static_cast<int>(std::lround(w_in * dpi));
    out_page.height = static_cast<int>(std::lround(h_in * dpi));
    total += static_cast<int64_t>(out_page.width) * out_page.height;
    if (total > limits.max_total_pixels)
      return std::unexpected(Refuse("too-costly", "the PDF's pages together exceed the pixel limit"));

    double scale = dpi / 72.0;
    for (const poppler::text_box& box : page->text_list()) {
      std::string text = Utf8(box.text());
      if (text.empty()) continue;
      poppler::rectf r = box.bbox();
      Word w;
      w.text = std::move(text);
      w.box = {static_cast<int>(r.left() * scale), static_cast<int>(r.top() * scale),
               std::max(1, static_cast<int>(r.width() * scale)),
               std::max(1, static_cast<int>(r.height() * scale))};
      w.confidence = 1.0f;
      out_page.text_layer.push_back(std::move(w));
    }
    // Pages are rendered even when their text layer is used: checkboxes are drawings.
    if (static_cast<int>(out_page.text_layer.size()) < kMinTextLayerWords) out_page.text_layer.clear();
    {
      poppler::image img = renderer.render_page(page.get(), dpi, dpi);
      if (!img.is_valid())
        return std::unexpected(Refuse("invalid", fmt::format("PDF page {} cannot be rendered", i + 1)));
      int w = img.width(), h = img.height();
      Pix* pix = pixCreate(w, h, 8);
      if (pix == nullptr) return std::unexpected(Error::Internal("out of memory rendering a page"));
      const char* src = img.const_data();
      int stride = img.bytes_per_row();
      l_uint32* dst = pixGetData(pix);
      int wpl = pixGetWpl(pix);
      for (int y = 0; y < h; ++y) {
        const auto* row = reinterpret_cast<const unsigned char*>(src + static_cast<size_t>(y) * stride);
        l_uint32* line = dst + static_cast<size_t>(y) * wpl;
        for (int x = 0; x < w; ++x) SET_DATA_BYTE(line, x, row[x]);
      }
      pixSetResolution(pix, out_page.dpi, out_page.dpi);
      out_page.image = Image(pix);
      out_page.width = w;
      out_page.height = h;
    }
    out.push_back(std::move(out_page));
  }
  return out;
}

// ---- the PDF sandbox ----
// Child -> parent stream: "OK <pages>\n" or "ERR <issue code> <message>\n"; per page
// "P <width> <height> <dpi> <words> <has image>\n", per word "W <x> <y> <w> <h> <confidence x
// 1000> <bytes>\n<text>\n", then width x height grey bytes when it has an image.

void WriteAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    data += n;
    size -= static_cast<size_t>(n);
  }
}

std::string EncodePages(const Result<std::vector<Page>>& pages) {
  if (!pages) {
    std::string code = pages.error().issues.empty() ? "invalid" : pages.error().issues.front().code;
    std::string message = pages.error().message;
    std::replace(message.begin(), message.end(), '\n', ' ');
    return fmt::format("ERR {} {}\n", code, message);
  }
  std::string out = fmt::format("OK {}\n", pages->size());
  for (const Page& p : *pages) {
    out += fmt::format("P {} {} {} {} {}\n", p.width, p.height, p.dpi, p.text_layer.size(), p.image ? 1 : 0);
    for (const Word& w : p.text_layer)
      out += fmt::format("W {} {} {} {} {} {}\n{}\n", w.box.x, w.box.y, w.box.w, w.box.h,
                         static_cast<int>(w.confidence * 1000), w.text.size(), w.text);
    if (p.image) {
      Pix* pix = p.image.pix();
      int w = pixGetWidth(pix), h = pixGetHeight(pix), wpl = pixGetWpl(pix);
      l_uint32* data = pixGetData(pix);
      size_t at = out.size();
      out.resize(at + static_cast<size_t>(w) * h);
      for (int y = 0; y < h; ++y) {
        l_uint32* line = data + static_cast<size_t>(y) * wpl;
        for (int x = 0; x < w; ++x) out[at + static_cast<size_t>(y) * w + x] = static_cast<char>(GET_DATA_BYTE(line, x));
      }
    }
  }
  return out;
}

Result<std::vector<Page>> DecodePages(std::string_view in, const DecodeLimits& limits) {
  auto bad = [] { return std::unexpected(Error::Internal("the PDF sandbox answered in a form it should not")); };
  auto line = [&](std::string& out) {
    size_t nl = in.find('\n');
    if (nl == std::string_view::npos) return false;
    out = std::string(in.substr(0, nl));
    in.remove_prefix(nl + 1);
    return true;
  };
  std::string head;
  if (!line(head)) return bad();
  if (head.starts_with("ERR ")) {
    size_t sp = head.find(' ', 4);
    std::string code = head.substr(4, sp == std::string::npos ? std::string::npos : sp - 4);
    return std::unexpected(Refuse(code, sp == std::string::npos ? "the PDF cannot be read" : head.substr(sp + 1)));
  }
  int count = 0;
  if (std::sscanf(head.c_str(), "OK %d", &count) != 1 || count < 0 || count > limits.max_pages) return bad();
  std::vector<Page> pages;
  int64_t total = 0;
  for (int i = 0; i < count; ++i) {
    std::string ph;
    Page page;
    int words = 0, has_image = 0;
    if (!line(ph) || std::sscanf(ph.c_str(), "P %d %d %d %d %d", &page.width, &page.height, &page.dpi, &words,
                                 &has_image) != 5)
      return bad();
    total += static_cast<int64_t>(page.width) * page.height;
    if (page.width <= 0 || page.height <= 0 || words < 0 || total > limits.max_total_pixels) return bad();
    for (int k = 0; k < words; ++k) {
      std::string wh;
      Word w;
      int conf = 0;
      size_t len = 0;
      if (!line(wh) || std::sscanf(wh.c_str(), "W %d %d %d %d %d %zu", &w.box.x, &w.box.y, &w.box.w, &w.box.h, &conf,
                                   &len) != 6 || in.size() < len + 1)
        return bad();
      w.text = std::string(in.substr(0, len));
      in.remove_prefix(len + 1);
      w.confidence = static_cast<float>(conf) / 1000.0f;
      page.text_layer.push_back(std::move(w));
    }
    if (has_image) {
      size_t size = static_cast<size_t>(page.width) * page.height;
      if (in.size() < size) return bad();
      Pix* pix = pixCreate(page.width, page.height, 8);
      if (pix == nullptr) return std::unexpected(Error::Internal("out of memory for a page"));
      l_uint32* data = pixGetData(pix);
      int wpl = pixGetWpl(pix);
      for (int y = 0; y < page.height; ++y) {
        l_uint32* row = data + static_cast<size_t>(y) * wpl;
        for (int x = 0; x < page.width; ++x)
          SET_DATA_BYTE(row, x, static_cast<unsigned char>(in[static_cast<size_t>(y) * page.width + x]));
      }
      in.remove_prefix(size);
      pixSetResolution(pix, page.dpi, page.dpi);
      page.image = Image(pix);
    }
    pages.push_back(std::move(page));
  }
  return pages;
}

Result<std::vector<Page>> DecodePdfInSandbox(std::string_view bytes, const DecodeLimits& limits) {
  int to_child[2], from_child[2];
  if (::pipe2(to_child, O_CLOEXEC) != 0) return std::unexpected(Error::Internal("pipe failed"));
  if (::pipe2(from_child, O_CLOEXEC) != 0) {
    ::close(to_child[0]);
    ::close(to_child[1]);
    return std::unexpected(Error::Internal("pipe failed"));
  }
  std::string program = limits.pdf_sandbox;
  char arg0[] = "salus";
  char arg1[] = "internal-decode-pdf";
  char* argv[] = {arg0, arg1, nullptr};
  pid_t pid = ::fork();
  if (pid < 0) {
    for (int fd : {to_child[0], to_child[1], from_child[0], from_child[1]}) ::close(fd);
    return std::unexpected(Error::Unavailable("could not start the PDF sandbox"));
  }
  if (pid == 0) {
    // The child: only async-signal-safe calls until exec.
    ::dup2(to_child[0], 0);
    ::dup2(from_child[1], 1);
#if !defined(__SANITIZE_ADDRESS__)
    // (AddressSanitizer reserves terabytes of address space for its shadow: under it the child
    // could not start with this limit, so sanitizer builds rely on the CPU and time limits.)
    rlimit mem{limits.sandbox_memory, limits.sandbox_memory};
    ::setrlimit(RLIMIT_AS, &mem);
#endif
    rlimit cpu{static_cast<rlim_t>(limits.sandbox_seconds), static_cast<rlim_t>(limits.sandbox_seconds)};
    ::setrlimit(RLIMIT_CPU, &cpu);
    rlimit core{0, 0};
    ::setrlimit(RLIMIT_CORE, &core);
    ::execv(program.c_str(), argv);
    ::_exit(127);
  }
  ::close(to_child[0]);
  ::close(from_child[1]);
  // The child reads all of its input before it writes: write it, then read the answer.
  ::signal(SIGPIPE, SIG_IGN);
  WriteAll(to_child[1], bytes.data(), bytes.size());
  ::close(to_child[1]);
  std::string out;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(limits.sandbox_seconds);
  size_t max_out = static_cast<size_t>(limits.max_total_pixels) + (size_t{64} << 20);
  bool timed_out = false, too_large = false;
  char buffer[1 << 16];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) {
      timed_out = true;
      break;
    }
    pollfd pfd{from_child[0], POLLIN, 0};
    int ready = ::poll(&pfd, 1, static_cast<int>(left));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) {
      timed_out = ready == 0;
      break;
    }
    ssize_t n = ::read(from_child[0], buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buffer, static_cast<size_t>(n));
    if (out.size() > max_out) {
      too_large = true;
      break;
    }
  }
  ::close(from_child[0]);
  if (timed_out || too_large) ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out)
    return std::unexpected(Refuse("too-costly", fmt::format(
        "the PDF did not render within {} seconds", limits.sandbox_seconds)));
  if (too_large) return std::unexpected(Refuse("too-costly", "the PDF's pages exceed the pixel limit"));
  if (WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) != 0 && out.empty())) {
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
      return std::unexpected(Error::Unavailable("the PDF sandbox could not be started"));
    return std::unexpected(Refuse("too-costly", "the PDF exhausted the memory or time allowed for reading it"));
  }
  return DecodePages(out, limits);
}

}  // namespace

int RunPdfSandboxChild() {
  DecodeLimits limits;
  std::string in;
  char buffer[1 << 16];
  for (;;) {
    ssize_t n = ::read(0, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    in.append(buffer, static_cast<size_t>(n));
    if (in.size() > limits.max_bytes) break;
  }
  SilenceLibraries();
  std::string out = EncodePages(in.size() > limits.max_bytes
                                    ? Result<std::vector<Page>>(std::unexpected(Refuse("too-costly", "the PDF is too large")))
                                    : DecodePdf(in, limits));
  WriteAll(1, out.data(), out.size());
  return 0;
}

namespace {

// The pages of a PDF from its bytes, without a PDF parser in this process (PDFs are parsed only
// in the sandbox): the page objects ("/Type /Page", not "/Pages") written out in the file, or,
// when they are packed in compressed object streams, the largest "/Count" of a page-tree node
// written out; 1 when neither shows. An estimate for choosing how to answer, not a limit: the
// sandbox counts and limits the pages it renders.
int PdfPagesFromBytes(std::string_view b) {
  auto skip_space = [&](size_t at) {
    while (at < b.size() && (b[at] == ' ' || b[at] == '\r' || b[at] == '\n' || b[at] == '\t' || b[at] == '\f' || b[at] == '\0'))
      ++at;
    return at;
  };
  int leaves = 0;
  int64_t largest_count = 0;
  for (size_t at = b.find("/Type"); at != std::string_view::npos && leaves < 100000; at = b.find("/Type", at + 5)) {
    size_t v = skip_space(at + 5);
    if (b.substr(v, 5) != "/Page") continue;
    char after = v + 5 < b.size() ? b[v + 5] : ' ';
    if (after != 's') {
      // "/Page" ends there ("/PageLabel" and the like are other names).
      if (!std::isalnum(static_cast<unsigned char>(after))) ++leaves;
      continue;
    }
    // A page-tree node: its /Count, within the same dictionary (before its ">>").
    size_t end = b.find(">>", v);
    size_t from = b.rfind("<<", at);
    if (from == std::string_view::npos || end == std::string_view::npos || end - from > 4096) continue;
    std::string_view dict = b.substr(from, end - from);
    size_t c = dict.find("/Count");
    if (c == std::string_view::npos) continue;
    size_t d = c + 6;
    while (d < dict.size() && (dict[d] == ' ' || dict[d] == '\r' || dict[d] == '\n')) ++d;
    int64_t n = 0;
    int digits = 0;
    while (d < dict.size() && std::isdigit(static_cast<unsigned char>(dict[d])) && digits < 7) {
      n = n * 10 + (dict[d++] - '0');
      ++digits;
    }
    largest_count = std::max(largest_count, n);
  }
  if (leaves > 0) return leaves;
  if (largest_count > 0) return static_cast<int>(largest_count);
  return 1;
}

}  // namespace

int PageCount(std::string_view bytes) {
  SilenceLibraries();
  switch (Sniff(bytes)) {
    case FileKind::kPdf:
      return PdfPagesFromBytes(bytes);
    case FileKind::kTiff: {
      int n = 0;
      auto data = reinterpret_cast<const l_uint8*>(bytes.data());
      l_int32 w, h, bps, spp, res, cmap, format;
      while (n < 10000 && readHeaderMemTiff(data, bytes.size(), n, &w, &h, &bps, &spp, &res, &cmap, &format) == 0) ++n;
      return n;
    }
    case FileKind::kPng:
    case FileKind::kJpeg:
      return 1;
    case FileKind::kUnknown:
      break;
  }
  return 0;
}

FileKind Sniff(std::string_view b) {
  auto starts = [&](std::string_view magic) { return b.substr(0, magic.size()) == magic; };
  if (starts("\x89PNG\r\n\x1a\n")) return FileKind::kPng;
  if (starts("\xff\xd8\xff")) return FileKind::kJpeg;
  if (starts(std::string_view("II*\0", 4)) || starts(std::string_view("MM\0*", 4)))
    return FileKind::kTiff;
  if (starts("%PDF-")) return FileKind::kPdf;
  return FileKind::kUnknown;
}

const char* MediaTypeOf(FileKind kind) {
  switch (kind) {
    case FileKind::kPng: return "image/png";
    case FileKind::kJpeg: return "image/jpeg";
    case FileKind::kTiff: return "image/tiff";
    case FileKind::kPdf: return "application/pdf";
    case FileKind::kUnknown: break;
  }
  return "application/octet-stream";
}

const char* FileKindName(FileKind kind) {
  switch (kind) {
    case FileKind::kPng: return "PNG";
    case FileKind::kJpeg: return "JPEG";
    case FileKind::kTiff: return "TIFF";
    case FileKind::kPdf: return "PDF";
    case FileKind::kUnknown: return "unknown";
  }
  return "unknown";
}

Result<std::vector<Page>> Decode(std::string_view bytes, const DecodeLimits& limits) {
  SilenceLibraries();
  if (bytes.empty()) return std::unexpected(Refuse("invalid", "the document is empty"));
  if (bytes.size() > limits.max_bytes)
    return std::unexpected(Refuse("too-costly", fmt::format(
        "the document is {} bytes; the limit is {} MiB", bytes.size(), limits.max_bytes >> 20)));
  FileKind kind = Sniff(bytes);
  switch (kind) {
    case FileKind::kPng:
    case FileKind::kJpeg:
    case FileKind::kTiff:
      return DecodeRaster(bytes, kind, limits);
    case FileKind::kPdf:
      return limits.pdf_sandbox.empty() ? DecodePdf(bytes, limits) : DecodePdfInSandbox(bytes, limits);
    case FileKind::kUnknown:
      break;
  }
  return std::unexpected(Refuse("not-supported",
                                "the document is not a PNG, JPEG, TIFF or PDF file"));
}

}  // namespace salus::capture
