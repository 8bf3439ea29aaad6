import CommandLineOptions
import Testing

/// The option parser every executable uses, on command lines written out by hand.
@Suite struct ParsedArgumentsTests {
    static let spec = CommandSpec(
        name: "tool run", overview: "Runs.", arguments: [(name: "dataset", help: "A folder.")],
        options: [
            .value("--out", "dir", "Where."), .value("--threads", "n", "How many."), .flag("--quiet", "Quietly."),
        ],
        required: ["--out"])

    func parse(_ words: [String]) throws(CommandLineError) -> ParsedArguments {
        try ParsedArguments.parse(ArraySlice(words), spec: Self.spec)
    }

    @Test func valuesFlagsAndArgumentsInAnyOrder() throws {
        let a = try parse(["--quiet", "data", "--out", "o", "--threads=3"])
        #expect(a.positional == ["data"])
        #expect(a.value("--out") == "o")
        #expect(a.count("--threads") == 3)
        #expect(a.flag("--quiet"))
        let b = try parse(["data", "--out=x"])
        #expect(b.value("--out") == "x" && b.value("--threads") == nil && !b.flag("--quiet"))
    }

    @Test func wrongCommandLinesAreNamed() {
        let cases: [([String], String)] = [
            (["data", "--out", "o", "--colour"], "unknown option '--colour'"),
            (["data", "--out"], "missing value for '--out'"),
            (["data", "--out", "o", "--quiet=yes"], "--quiet takes no value"),
            (["data"], "missing '--out <dir>'"),
            (["--out", "o"], "missing <dataset>"),
            (["data", "more", "--out", "o"], "unexpected argument 'more'"),
        ]
        for (words, message) in cases {
            #expect(throws: CommandLineError.usage(message), "\(words)") { _ = try parse(words) }
        }
    }

    @Test func helpIsAskedForWhateverElseIsWrong() {
        #expect(throws: CommandLineError.help(Self.spec.help)) { _ = try parse(["--colour", "-h"]) }
        #expect(throws: CommandLineError.help(Self.spec.help)) { _ = try parse(["--help"]) }
        #expect(Self.spec.help.contains("tool run <dataset> --out <dir> [--threads <n>] [--quiet]"))
    }
}
