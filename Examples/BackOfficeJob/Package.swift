// swift-tools-version:6.0
// A back-office program that links RebateEngine by path, as a nightly job would: it builds
// datasets in memory, some with bad indices and values, and shows they are thrown, not trapped.
import PackageDescription

let package = Package(
    name: "BackOfficeJob",
    dependencies: [.package(name: "RebateEngine", path: "../..")],
    targets: [
        .executableTarget(
            name: "BackOfficeJob", dependencies: [.product(name: "RebateEngine", package: "RebateEngine")],
            path: "Sources/BackOfficeJob")
    ],
    swiftLanguageModes: [.v6]
)
