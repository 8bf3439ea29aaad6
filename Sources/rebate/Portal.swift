import CommandLineOptions
import RebateEngine

/// `rebate portal`: the static self-service site.
let portal = Subcommand(
    spec: CommandSpec(
        name: "rebate portal",
        overview:
            "Write a static self-service site: index.html lists every beneficiary with an agreement\n(earned this period, open liability) and beneficiaries/ holds one page each: per agreement\nthe current period, tier, conditions and what is missing, the next tier, the run-rate forecast\nand the settled periods (with --ledger: what was paid and any clawback). Serve the folder as it is.",
        arguments: [CommonOptions.dataset],
        options: [
            .value("--out", "dir", "Folder for index.html and beneficiaries/ (created if needed)."),
            CommonOptions.asOf,
            .value(
                "--ledger", "file", "The books as they stand (ledger.csv of SPEC section 8): payments and clawbacks."),
            .value(
                "--claims", "file",
                "Every claim received so far: agreements paid on claim show what is\nstill claimable for each ended period."
            ),
            CommonOptions.threads, CommonOptions.csv, CommonOptions.quiet,
        ],
        required: ["--out"]),
    summary: "Write the partner self-service portal: an index and a page per beneficiary."
) { args in
    let out = args.required("--out")
    display.start(quiet: args.flag("--quiet"))
    do throws(RebateError) {
        let options = AccrualOptions(asOf: args.asOf, threads: args.threads, progress: display.progress)
        let p = try PortalJob.run(
            dataset: args.positional[0], outputFolder: out, ledger: args.value("--ledger"),
            claims: args.value("--claims"),
            options: options,
            columnar: !args.flag("--csv"))
        display.stop()
        if !args.flag("--quiet") {
            print("wrote \(out)/index.html and \(p.entries.count) pages in \(out)/beneficiaries")
        }
    } catch {
        report(error)
    }
}
