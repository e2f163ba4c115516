#include "report/image_grid.h"

#include <algorithm>
#include <cstdio>

#include "report/png.h"
#include "report/svg_chart.h"

namespace octet::report {
namespace {

std::string label_text(int label, const std::vector<std::string>& names) {
  if (label >= 0 && static_cast<size_t>(label) < names.size()) return names[label];
  return std::to_string(label);
}

}  // namespace

Result<std::string> render_prediction_grid(const std::vector<GridCell>& cells, const GridOptions& options) {
  if (options.columns <= 0) return Status::Error("prediction grid: columns must be positive");
  if (options.scale <= 0) return Status::Error("prediction grid: scale must be positive");
  int cell_w = 0, cell_h = 0;
  for (size_t i = 0; i < cells.size(); ++i) {
    const GridCell& c = cells[i];
    const std::string where = "prediction grid: cell " + std::to_string(i) + ": ";
    if (c.channels != 1 && c.channels != 3) {
      return Status::Error(where + std::to_string(c.channels) + " channels, expected 1 (gray) or 3 (RGB)");
    }
    if (c.width <= 0 || c.height <= 0 ||
        c.pixels.size() != static_cast<size_t>(c.width) * c.height * c.channels) {
      return Status::Error(where + std::to_string(c.pixels.size()) + " pixel bytes for a " + std::to_string(c.width) +
                           "x" + std::to_string(c.height) + "x" + std::to_string(c.channels) + " image");
    }
    cell_w = std::max(cell_w, c.width * options.scale);
    cell_h = std::max(cell_h, c.height * options.scale);
  }
  // Room for the caption under the image, e.g. "true airplane / pred automobile (99.1%)".
  const int pad = 8, caption_h = 30;
  cell_w = std::max(cell_w, 150);
  const int cols = std::min<int>(options.columns, std::max<size_t>(cells.size(), 1));
  const int rows = static_cast<int>((cells.size() + cols - 1) / cols);
  const int title_h = options.title.empty() ? 0 : 28;
  const int width = cols * (cell_w + pad) + pad;
  const int height = title_h + rows * (cell_h + caption_h + pad) + pad;

  std::string s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(width) + "\" height=\"" +
                  std::to_string(height) + "\" viewBox=\"0 0 " + std::to_string(width) + " " +
                  std::to_string(height) +
                  "\" font-family=\"DejaVu Sans, Arial, sans-serif\" font-size=\"11\">\n"
                  "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n";
  if (title_h) {
    s += "<text x=\"" + std::to_string(width / 2) +
         "\" y=\"19\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\">" + xml_escape(options.title) +
         "</text>\n";
  }
  for (size_t i = 0; i < cells.size(); ++i) {
    const GridCell& c = cells[i];
    const int x = pad + static_cast<int>(i % cols) * (cell_w + pad);
    const int y = title_h + pad + static_cast<int>(i / cols) * (cell_h + caption_h + pad);
    const int iw = c.width * options.scale, ih = c.height * options.scale;
    const int ix = x + (cell_w - iw) / 2;
    // Upscaled before encoding: crisp pixels whatever the renderer's interpolation.
    OCTET_ASSIGN_OR_RETURN(auto png, encode_png(upscale_nearest(c.pixels, c.width, c.height, c.channels,
                                                                options.scale),
                                                iw, ih, c.channels));
    const bool wrong = c.true_label != c.predicted_label;
    char conf[32];
    std::snprintf(conf, sizeof(conf), "%.1f%%", 100.0 * c.confidence);
    const std::string caption = "true " + label_text(c.true_label, options.class_names) + " / pred " +
                                label_text(c.predicted_label, options.class_names) + " (" + conf + ")";
    s += "<g class=\"cell" + std::string(wrong ? " wrong" : "") + "\">\n";
    s += "<image x=\"" + std::to_string(ix) + "\" y=\"" + std::to_string(y) + "\" width=\"" + std::to_string(iw) +
         "\" height=\"" + std::to_string(ih) + "\" href=\"" + png_data_uri(png) + "\"/>\n";
    if (wrong) {
      s += "<rect x=\"" + std::to_string(x - 3) + "\" y=\"" + std::to_string(y - 3) + "\" width=\"" +
           std::to_string(cell_w + 6) + "\" height=\"" + std::to_string(cell_h + caption_h + 2) +
           "\" fill=\"none\" stroke=\"#d62728\" stroke-width=\"3\"/>\n";
    }
    // Long captions (class names) are squeezed into the cell; ~6.3 px per character at 11 px.
    const bool squeeze = caption.size() * 6.3 > cell_w - 4;
    s += "<text x=\"" + std::to_string(x + cell_w / 2) + "\" y=\"" + std::to_string(y + cell_h + 18) +
         "\" text-anchor=\"middle\"" +
         (squeeze ? " textLength=\"" + std::to_string(cell_w - 4) + "\" lengthAdjust=\"spacingAndGlyphs\"" : "") +
         " fill=\"" + (wrong ? "#d62728" : "#222222") + "\">" + xml_escape(caption) + "</text>\n";
    s += "</g>\n";
  }
  s += "</svg>\n";
  return s;
}

}  // namespace octet::report
