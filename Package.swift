// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "RebateEngine",
    products: [
        .library(name: "RebateEngine", targets: ["RebateEngine"]),
        .executable(name: "rebate", targets: ["rebate"]),
        .executable(name: "data-gen", targets: ["DataGen"]),
        .executable(name: "rebate-bench", targets: ["RebateBench"]),
    ],
    targets: [
        .target(name: "RebateEngine", path: "Sources/RebateEngine"),
        .executableTarget(name: "rebate", dependencies: ["RebateEngine"], path: "Sources/rebate"),
        .executableTarget(name: "DataGen", dependencies: ["RebateEngine"], path: "data-gen/Sources"),
        .executableTarget(name: "RebateBench", dependencies: ["RebateEngine"], path: "Benchmarks/rebate-bench"),
        .testTarget(name: "RebateEngineTests", dependencies: ["RebateEngine"], path: "Tests/RebateEngineTests"),
    ],
    swiftLanguageModes: [.v6]
)
