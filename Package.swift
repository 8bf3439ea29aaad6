// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "RebateEngine",
    products: [
        .library(name: "RebateEngine", targets: ["RebateEngine"]),
        .executable(name: "rebate", targets: ["rebate"]),
        .library(name: "RebateGenerator", targets: ["RebateGenerator"]),
        .executable(name: "data-gen", targets: ["DataGen"]),
        .executable(name: "rebate-bench", targets: ["RebateBench"]),
    ],
    targets: [
        .target(name: "RebateEngine", path: "Sources/RebateEngine"),
        .target(name: "CommandLineOptions", path: "Sources/CommandLineOptions"),
        .executableTarget(name: "rebate", dependencies: ["RebateEngine", "CommandLineOptions"], path: "Sources/rebate"),
        .target(name: "RebateGenerator", dependencies: ["RebateEngine"], path: "data-gen/Sources/RebateGenerator"),
        .executableTarget(name: "DataGen", dependencies: ["RebateGenerator", "CommandLineOptions"], path: "data-gen/Sources/DataGen"),
        .executableTarget(name: "RebateBench", dependencies: ["RebateEngine", "RebateGenerator", "CommandLineOptions"], path: "Benchmarks/rebate-bench"),
        .testTarget(name: "CommandLineOptionsTests", dependencies: ["CommandLineOptions"], path: "Tests/CommandLineOptionsTests"),
        .testTarget(name: "PublicAPITests", dependencies: ["RebateEngine"], path: "Tests/PublicAPITests"),
        .testTarget(name: "RebateEngineTests", dependencies: ["RebateEngine", "RebateGenerator"], path: "Tests/RebateEngineTests"),
    ],
    swiftLanguageModes: [.v6]
)
