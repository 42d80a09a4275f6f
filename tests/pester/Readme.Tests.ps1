# The README's layout tree is what a newcomer reads first: it must name every folder that exists
# (top level, src subsystems, tests) and nothing that does not.
BeforeAll {
    $script:Root = (Resolve-Path (Join-Path $PSScriptRoot '../..')).ProviderPath
    $readme = Get-Content -LiteralPath (Join-Path $Root 'README.md')
    $start = [array]::IndexOf($readme, '## Layout')
    $open = $start + [array]::IndexOf($readme[$start..($readme.Count - 1)], '```text')
    $close = $open + 1 + [array]::IndexOf($readme[($open + 1)..($readme.Count - 1)], '```')

    # Each tree line is "<prefix of 4 characters per level><name>[/]<spaces><comment>".
    $script:Listed = [Collections.Generic.List[string]]::new()
    $stack = [Collections.Generic.List[string]]::new()
    foreach ($line in $readme[($open + 2)..($close - 1)]) {
        if ($line -notmatch '^(?<prefix>[│ ]*)[├└]── (?<name>\S+)') { throw "Not a tree line: '$line'" }
        $depth = $Matches.prefix.Length / 4
        $name = $Matches.name
        while ($stack.Count -gt $depth) { $stack.RemoveAt($stack.Count - 1) }
        $path = (@($stack) + $name.TrimEnd('/')) -join '/'
        $Listed.Add($path + $(if ($name.EndsWith('/')) { '/' } else { '' }))
        if ($name.EndsWith('/')) { $stack.Add($name.TrimEnd('/')) }
    }

    function script:Get-TrackedFolder([string] $Under, [int] $Depth) {
        # Folders that hold tracked files (so bin/, obj/ and out/ never count).
        $files = git -C $Root ls-files -- $Under
        $files | ForEach-Object {
            $parts = $_ -split '/'
            if ($parts.Count -gt $Depth) { ($parts[0..($Depth - 1)] -join '/') + '/' }
        } | Sort-Object -Unique
    }
}

Describe 'The README layout' {
    It 'lists only folders and files that exist' {
        $missing = $Listed | Where-Object { -not (Test-Path -LiteralPath (Join-Path $Root $_.TrimEnd('/'))) }
        $missing | Should -BeNullOrEmpty
    }

    It 'lists every top-level folder, every src subsystem folder and every test project' {
        $expected = @(
            Get-TrackedFolder -Under '.' -Depth 1 | Where-Object { $_ -notlike '.*' }
            Get-TrackedFolder -Under 'src' -Depth 2
            Get-TrackedFolder -Under 'src' -Depth 3 | Where-Object { (git -C $Root ls-files -- $_) -match '\.cs$' }
            Get-TrackedFolder -Under 'tests' -Depth 2
        )
        $expected | Where-Object { $_ -notin $Listed } | Should -BeNullOrEmpty
    }
}
