// swift-tools-version:6.0
import PackageDescription

let package = Package(
  name: "vipps-ledger",
  platforms: [.macOS(.v15)],
  products: [
    .executable(name: "vipps-ledger", targets: ["vipps-ledger"]),
    .library(name: "LedgerCore", targets: ["LedgerCore"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
  ],
  targets: [
    .systemLibrary(
      name: "CLibXML2",
      pkgConfig: "libxml-2.0",
      providers: [.apt(["libxml2-dev"]), .brew(["libxml2"])]
    ),
    .target(
      name: "LedgerCore",
      dependencies: ["CLibXML2", .product(name: "Yams", package: "Yams")]
    ),
    .executableTarget(
      name: "vipps-ledger",
      dependencies: [
        "LedgerCore",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    .executableTarget(
      name: "ledger-bench",
      dependencies: ["LedgerCore"]
    ),
    .testTarget(
      name: "LedgerCoreTests",
      dependencies: ["LedgerCore"]
    ),
    .testTarget(
      name: "CLITests",
      dependencies: ["LedgerCore", "vipps-ledger"]
    ),
  ],
  swiftLanguageModes: [.v6]
)
