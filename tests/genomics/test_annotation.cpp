// Tests of include/deepdiff/genomics/annotation.hpp.
#include "genomics_fixtures.hpp"

TEST_CASE("gene ids lose their version, chromosome names their prefix", "[genomics][annotation]") {
  CHECK(strip_version("ENSG00000130749.9") == "ENSG00000130749");
  CHECK(strip_version("ENSG00000130749") == "ENSG00000130749");
  CHECK(strip_version("ENSG00000182378.14_PAR_Y") == "ENSG00000182378_PAR_Y");
  CHECK(strip_version("gene.abc") == "gene.abc");  // not a version
  CHECK(alternative_chrom_name("chr1") == "1");
  CHECK(alternative_chrom_name("1") == "chr1");
  CHECK(alternative_chrom_name("chrM") == "MT");
  CHECK(alternative_chrom_name("MT") == "chrM");
  CHECK(find_chrom({"1", "2", "chr2"}, "chr2") == 2);  // the exact name wins
  CHECK(find_chrom({"1", "2"}, "chr2") == 1);
  CHECK(find_chrom({"1", "2"}, "chrX") == -1);
}

TEST_CASE("GTF, GFF3 and BED6 annotations give the same genes", "[genomics][annotation]") {
  TempDir d("deepdiff_genomics");
  d.write("a.gtf",
          "#!genome-build GRCh38\n"
          "chr1\tHAVANA\tgene\t11869\t14409\t.\t+\t.\tgene_id \"ENSG00000223972.5\"; gene_type \"lncRNA\"; gene_name \"DDX11L1\";\n"
          "chr1\tHAVANA\ttranscript\t11869\t14409\t.\t+\t.\tgene_id \"ENSG00000223972.5\"; transcript_id \"x\";\n"
          "chr1\tHAVANA\tgene\t14404\t29570\t.\t-\t.\tgene_id \"ENSG00000227232.5\"; gene_name \"WASH7P\";\n"
          "chrX\tHAVANA\tgene\t100\t200\t.\t-\t.\tgene_id \"ENSG00000182378.14\"; gene_name \"PLCXD1\";\n"
          "chrY\tHAVANA\tgene\t100\t200\t.\t-\t.\tgene_id \"ENSG00000182378.14_PAR_Y\"; gene_name \"PLCXD1\";\n"
          "chr1\tHAVANA\tgene\t500\t600\t.\t+\t.\tgene_id \"ENSG00000223972.6\"; gene_name \"DDX11L1\";\n");
  d.write("a.gff3",
          "##gff-version 3\n"
          "chr1\tHAVANA\tgene\t11869\t14409\t.\t+\t.\tID=ENSG00000223972.5;gene_id=ENSG00000223972.5;gene_name=DDX11L1\n"
          "chr1\tHAVANA\tgene\t14404\t29570\t.\t-\t.\tID=gene:ENSG00000227232;Name=WASH7P\n"
          "chrX\tHAVANA\tgene\t100\t200\t.\t-\t.\tID=ENSG00000182378.14;gene_name=PLCXD1\n");
  d.write("a.bed",
          "track name=genes\n"
          "chr1\t11868\t14409\tENSG00000223972.5_DDX11L1\t0\t+\n"
          "chr1\t14403\t29570\tENSG00000227232_WASH7P\t0\t-\n"
          "chrX\t99\t200\tENSG00000182378\t0\t-\n");
  for (const char* name : {"a.gtf", "a.gff3", "a.bed"}) {
    INFO(name);
    const Annotation a = read_annotation(d.file(name));
    REQUIRE(a.genes.size() == 3);
    CHECK(a.genes[0].id == "ENSG00000223972");
    CHECK(a.genes[0].symbol == "DDX11L1");
    CHECK(a.genes[0].start == 11868);
    CHECK(a.genes[0].end == 14409);
    CHECK(a.genes[0].tss() == 11868);
    CHECK(a.genes[1].id == "ENSG00000227232");
    CHECK(a.genes[1].symbol == "WASH7P");
    CHECK(a.genes[1].strand == '-');
    CHECK(a.genes[1].tss() == 29570);  // a - gene's TSS is its end
    CHECK(a.genes[2].chrom == "chrX");
    CHECK(a.chroms == std::vector<std::string>{"chr1", "chrX"});
  }
  const Annotation gtf = read_annotation(d.file("a.gtf"));
  CHECK(gtf.format == AnnotationFormat::gtf);
  CHECK(gtf.unusable_ids == 1);  // the _PAR_Y copy
  CHECK(gtf.duplicates == 1);    // ENSG00000223972.6 after .5
  CHECK(read_annotation(d.file("a.gff3")).format == AnnotationFormat::gff3);
  CHECK(read_annotation(d.file("a.bed")).format == AnnotationFormat::bed);
}

TEST_CASE("bad annotations are reported with file and line", "[genomics][annotation]") {
  TempDir d("deepdiff_genomics");
  d.write("bad.gtf", "chr1\tX\tgene\t10\t20\t.\t+\t.\tgene_id \"G1\";\nchr1\tX\tgene\tten\t20\t.\t+\t.\tgene_id \"G2\";\n");
  CHECK(data_error([&] { read_annotation(d.file("bad.gtf")); }).line == 2);
  d.write("noid.gtf", "chr1\tX\tgene\t10\t20\t.\t+\t.\tgene_id \"G1\";\nchr1\tX\tgene\t30\t40\t.\t+\t.\tgene_name \"A\";\n");
  CHECK(data_error([&] { read_annotation(d.file("noid.gtf")); }).line == 2);
  d.write("nogenes.gtf", "chr1\tX\texon\t10\t20\t.\t+\t.\tgene_id \"G1\";\n");
  CHECK(std::string(data_error([&] { read_annotation(d.file("nogenes.gtf")); }).what()).find("no gene records") !=
        std::string::npos);
  d.write("what.txt", "hello world\n");
  CHECK(data_error([&] { read_annotation(d.file("what.txt")); }).line == 1);
  CHECK(data_error([&] { read_annotation(d.file("missing.gtf")); }).file == d.file("missing.gtf"));
}

TEST_CASE("GFF3 attribute values are percent-decoded", "[genomics][annotation]") {
  CHECK(annotation_detail::percent_decode("gene%3AENSG01") == "gene:ENSG01");
  CHECK(annotation_detail::percent_decode("A%2cB%3B") == "A,B;");
  CHECK(annotation_detail::percent_decode("50%") == "50%");        // not an escape: kept
  CHECK(annotation_detail::percent_decode("%zz%4") == "%zz%4");
  TempDir d("deepdiff_genomics");
  d.write("enc.gff3", "##gff-version 3\nchr1\tX\tgene\t10\t20\t.\t+\t.\tID=gene%3AENSG00000000001.2;Name=AB%2CC\n");
  const Annotation a = read_annotation(d.file("enc.gff3"));
  REQUIRE(a.genes.size() == 1);
  CHECK(a.genes[0].id == "ENSG00000000001");
  CHECK(a.genes[0].symbol == "AB-C");  // a ',' cannot stand in the row id
}

TEST_CASE("a damaged gzip annotation is said to be damaged, not a bad line", "[genomics][annotation]") {
  TempDir d("deepdiff_genomics");
  std::string text;
  for (int g = 0; g < 4000; ++g)
    text += "chr1\t" + std::to_string(g * 100) + "\t" + std::to_string(g * 100 + 50) + "\tG" + std::to_string(g) + "\t0\t+\n";
  d.write("genes.bed", text);
  const std::string gz = d.file("genes.bed.gz");
  REQUIRE(std::system(("gzip -c " + d.file("genes.bed") + " > " + gz).c_str()) == 0);
  const std::string bytes = read_file(gz);
  for (const std::size_t keep : {std::size_t(20), bytes.size() / 2, bytes.size() - 9}) {
    d.write("cut.bed.gz", bytes.substr(0, keep));
    const DataError e = data_error([&] { read_annotation(d.file("cut.bed.gz")); });
    INFO("kept " << keep << " bytes: " << e.what());
    CHECK(std::string(e.what()).find("damaged compressed file") != std::string::npos);
  }
}

TEST_CASE("a gene-window file: the window as written, no strand, ID_SYMBOL required", "[genomics][annotation]") {
  TempDir d("deepdiff_genomics");
  d.write("w.txt", "chrX\t99884988\t99904988\tENSG00000000003_TSPAN6\nchr20\t49565092\t49585092\tENSG00000000419_DPM1\n");
  const Annotation a = read_annotation(d.file("w.txt"));
  CHECK(a.format == AnnotationFormat::windows);
  REQUIRE(a.genes.size() == 2);
  const Gene& g = a.genes[0];
  CHECK(g.id == "ENSG00000000003");
  CHECK(g.symbol == "TSPAN6");
  CHECK(g.strand == '.');
  CHECK(g.window);
  CHECK(g.tss() == 99894988);  // the centre: make_windows gives back [start, end)
  const GeneWindows w = make_windows(a.genes, 200, 100);
  CHECK(w.per_chrom[0].start[0] == 99884988);
  d.write("nosym.txt", "chrX\t99884988\t99904988\tENSG00000000003_TSPAN6\nchr20\t49565092\t49585092\tENSG00000000419\n");
  const DataError e = data_error([&] { read_annotation(d.file("nosym.txt")); });
  CHECK(e.line == 2);
  CHECK(e.reason.find("not ID_SYMBOL") != std::string::npos);
  d.write("five.txt", "chrX\t99884988\t99904988\tENSG00000000003_TSPAN6\nchr20\t49565092\t49585092\tENSG00000000419_DPM1\t0\n");
  CHECK(data_error([&] { read_annotation(d.file("five.txt")); }).line == 2);
  // A BED4 of numbers is not a window file (a bedGraph, say).
  d.write("bg.txt", "chr1\t0\t100\t2.5\n");
  CHECK(data_error([&] { read_annotation(d.file("bg.txt")); }).line == 1);
}

TEST_CASE("annotation gene types: GENCODE gene_type, Ensembl gene_biotype / biotype, none in BED", "[genomics][annotation]") {
  TempDir d("deepdiff_genomics");
  d.write("gencode.gtf",
          "chr1\tHAVANA\tgene\t100\t200\t.\t+\t.\tgene_id \"ENSG01.1\"; gene_type \"protein_coding\"; gene_name \"A\";\n"
          "chr1\tHAVANA\tgene\t300\t400\t.\t-\t.\tgene_id \"ENSG02.1\"; gene_type \"lincRNA\"; gene_name \"B\";\n"
          "chr1\tHAVANA\tgene\t500\t600\t.\t+\t.\tgene_id \"ENSG03.1\"; gene_type \"protein_coding\"; gene_name \"C\";\n"
          "chr1\tHAVANA\tgene\t700\t800\t.\t+\t.\tgene_id \"ENSG04.1\"; gene_name \"D\";\n");
  d.write("ensembl.gtf",
          "1\tensembl\tgene\t100\t200\t.\t+\t.\tgene_id \"ENSG01\"; gene_version \"1\"; gene_name \"A\"; gene_biotype \"protein_coding\";\n"
          "1\tensembl\tgene\t300\t400\t.\t-\t.\tgene_id \"ENSG02\"; gene_name \"B\"; gene_biotype \"lncRNA\";\n");
  d.write("ensembl.gff3",
          "##gff-version 3\n"
          "1\tensembl\tgene\t100\t200\t.\t+\t.\tID=gene:ENSG01;Name=A;biotype=protein_coding\n"
          "1\tensembl\tncRNA_gene\t300\t400\t.\t-\t.\tID=gene:ENSG02;Name=B;biotype=lncRNA\n");
  d.write("untyped.gtf", "chr1\tX\tgene\t100\t200\t.\t+\t.\tgene_id \"ENSG01\"; gene_name \"A\";\n");
  d.write("a.bed", "chr1\t99\t200\tENSG01_A\t0\t+\n");
  d.write("w.txt", "chr1\t0\t200\tENSG01_A\n");

  const Annotation gencode = read_annotation(d.file("gencode.gtf"));
  REQUIRE(gencode.genes.size() == 4);
  CHECK(gencode.genes[0].type == "protein_coding");
  CHECK(gencode.genes[1].type == "lincRNA");
  CHECK(gencode.genes[3].type.empty());
  CHECK(gene_type_counts(gencode.genes) ==
        std::map<std::string, std::size_t>{{"protein_coding", 2}, {"lincRNA", 1}, {"(none)", 1}});
  for (const char* name : {"ensembl.gtf", "ensembl.gff3"}) {
    INFO(name);
    const Annotation a = read_annotation(d.file(name));
    REQUIRE(a.genes.size() == 2);
    CHECK(a.genes[0].type == "protein_coding");
    CHECK(a.genes[1].type == "lncRNA");
  }
  CHECK(read_annotation(d.file("a.bed")).genes[0].type.empty());

  // --gene-types: known types pass; an unknown one is refused listing the file's types,
  // most frequent first; an annotation without types is refused naming the file and why.
  CHECK_NOTHROW(check_gene_types(gencode, {"protein_coding", "lincRNA"}));
  CHECK_NOTHROW(check_gene_types(read_annotation(d.file("a.bed")), {}));
  DataError e = data_error([&] { check_gene_types(gencode, {"protein_coding", "lncRNA"}); });
  CHECK(e.file == d.file("gencode.gtf"));
  CHECK(e.reason == "--gene-types lncRNA: no gene of the annotation has this type");
  CHECK(e.hint == "the types it has, with their genes: protein_coding (2), lincRNA (1)");
  for (const char* name : {"a.bed", "w.txt", "untyped.gtf"}) {
    INFO(name);
    e = data_error([&] { check_gene_types(read_annotation(d.file(name)), {"protein_coding"}); });
    CHECK(e.file == d.file(name));
    CHECK(e.reason.find("--gene-types needs each gene's type, but this ") == 0);
    CHECK(e.hint.find(std::string(name) == "untyped.gtf" ? "no gene record has a gene_type" : "carries no gene type") !=
          std::string::npos);
  }
}
