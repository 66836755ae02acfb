// Uses the installed deepdiff::genomics target: its headers, htslib and libBigWig link.
#include <deepdiff/genomics/signal.hpp>

#include <cstdio>

int main() {
  if (deepdiff::genomics::strip_version("ENSG00000130749.9") != "ENSG00000130749") return 1;
  if (deepdiff::genomics::alternative_chrom_name("chrM") != "MT") return 1;
  std::printf("genomics consumer ok (htslib %s)\n", hts_version());
  return 0;
}
