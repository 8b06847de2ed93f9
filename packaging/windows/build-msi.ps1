# Builds Revans's MSI on a Windows machine with the Rust toolchain (MSVC) and the WiX
# Toolset v3 (candle.exe and light.exe on PATH); prints the MSI's path. There is no
# Windows machine here, so it has not been run.
#   powershell -ExecutionPolicy Bypass -File packaging\windows\build-msi.ps1
# Why WiX and not cargo-wix or cargo-packager: the same reason packaging/build-deb gives
# for plain dpkg-deb; the one file packaging\windows\revans.wxs says all it installs.
$ErrorActionPreference = 'Stop'
Set-Location (Join-Path $PSScriptRoot '..\..')

cargo build --release --locked -p revans
if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
$version = (Select-String -Path Cargo.toml -Pattern '^version = "(.*)"' |
  Select-Object -First 1).Matches[0].Groups[1].Value
New-Item -ItemType Directory -Force target\packages | Out-Null
$object = 'target\packages\revans.wixobj'
$msi = "target\packages\revans-$version-x64.msi"
candle -nologo -arch x64 "-dVersion=$version" '-dBinaries=target\release' '-dRepo=.' `
  -out $object packaging\windows\revans.wxs
if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
light -nologo -out $msi $object
if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
Write-Output $msi
