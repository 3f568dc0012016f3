"""Demo and test data: a deterministic, seeded generator (`genotailor testdata build`).

- `reference`: the demo GRCh38 reference (real windows at true coordinates, `N` elsewhere,
  synthetic flanks beside the short cancer windows), written as bgzip FASTA.
- `simulate`: an Illumina-like paired-end read simulator (haplotype mixtures, fragment sizes,
  adapter read-through, binned qualities with matching errors, PCR duplicates).
- `scenarios`: the demo patients, their planted variants and expected results.
- `build`: what `genotailor testdata build` runs: writes test-data/ and config/samples.yaml.
"""
