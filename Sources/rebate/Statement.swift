import CommandLineOptions
import RebateEngine

#if canImport(Glibc)
import Glibc
#endif

/// `rebate statement`: one beneficiary's HTML statement.
let statement = Subcommand(
    spec: CommandSpec(
        name: "rebate statement",
        overview:
            "Write the rebate statement of one beneficiary as a self-contained HTML page:\neach agreement's period, what was bought so far, the tier reached, the rebate earned,\nhow much more to buy for the next tier, and the run-rate forecast for the period.",
        arguments: [CommonOptions.dataset],
        options: [
            .value("--partner", "id", "The partner or buying-group id (a partner also sees its group's agreements)."),
            .value("--as-of", "date", "YYYY-MM-DD; the figures are taken on this day (default: each period's end)."),
            .value("--out", "file", "Where to write (default: statement-<id>.html)."),
            .value(
                "--claims", "file",
                "Every claim received so far: agreements paid on claim list what is still\nclaimable for each ended period."
            ),
            CommonOptions.threads, CommonOptions.csv, CommonOptions.quiet,
        ],
        required: ["--partner"]),
    summary: "Write a partner-facing HTML statement: tiers, progress, forecast."
) { args in
    let beneficiary = args.required("--partner")
    let asOf = args.asOf
    let out = args.value("--out") ?? "statement-\(beneficiary).html"
    display.start(quiet: args.flag("--quiet"))
    do throws(RebateError) {
        let options = AccrualOptions(asOf: asOf, threads: args.threads, progress: display.progress)
        let loaded = try DatasetLoader.load(
            folder: args.positional[0], threads: options.threads, columnar: !args.flag("--csv"),
            progress: options.progress)
        let claims = try args.value("--claims").map { (p: String) throws(RebateError) in
            try ClaimsFile.read(path: p, decimals: loaded.dataset.agreements.decimals)
        }
        let result = try AccrualEngine.run(loaded.dataset, options: options)
        display.stop()
        guard let page = PartnerStatement.html(result, loaded: loaded, beneficiary: beneficiary, claims: claims) else {
            let when = asOf.map(\.description) ?? "the end of the data"
            printError(
                "Error: no statement for '\(beneficiary)': not a partner or group with an agreement started by \(when)\n"
            )
            exit(2)
        }
        try AccrualJob.writeFile(Array(page.utf8), to: out)
        if !args.flag("--quiet") { print("wrote \(out)") }
    } catch {
        report(error)
    }
}
