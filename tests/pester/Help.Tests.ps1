# Help as a user sees it: Get-Help in a fresh pwsh on the built module, and the build's gate that
# fails on missing docs. The build already refuses a page without a synopsis, description, example or
# a section per parameter; these tests check that what it compiled is what Get-Help shows, and that the
# gate still fails. One test per property over all cmdlets: a failure names every cmdlet and parameter
# that lacks it. The cmdlets and parameters come from Get-Command, so a new one is checked unedited.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')

    # One fresh pwsh reads the cmdlets, a fresh instance of each (for the defaults the code sets) and
    # Get-Help's view of them, and hands it all over as JSON.
    $collect = {
        param($ModulePath)
        $ErrorActionPreference = 'Stop'
        $module = Import-Module $ModulePath -PassThru
        $common = [System.Management.Automation.Cmdlet]::CommonParameters
        $commands = foreach ($cmd in $module.ExportedCmdlets.Values | Sort-Object Name) {
            $help = Get-Help $cmd.Name -Full
            $instance = [Activator]::CreateInstance($cmd.ImplementingType)
            $parameters = foreach ($p in $cmd.Parameters.Values | Where-Object Name -NotIn $common) {
                $doc = @($help.parameters.parameter | Where-Object name -EQ $p.Name)[0]
                $value = $instance.($p.Name)
                # Only a default the code sets counts: not null, empty, off, or a value type's zero (which for
                # Set-OneMinBgConfig means 'not given, keep the saved value').
                $unset = $null -eq $value -or $value -is [switch] -or ($value -is [array] -and $value.Count -eq 0) -or "$value" -eq '' -or
                    ($value -is [ValueType] -and $value -eq [Activator]::CreateInstance($value.GetType()))
                $codeDefault = if ($unset) { $null } else { "$value" }
                # The sets a user sees the parameter in: those where it is not hidden with DontShow.
                $hidden = @($p.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] -and $_.DontShow } | ForEach-Object ParameterSetName)
                $sets = @($p.ParameterSets.GetEnumerator() | Where-Object Key -NotIn $hidden | ForEach-Object Value)
                if (-not $sets) { $sets = @($p.ParameterSets.Values) }
                $type = $p.ParameterType
                $inner = [Nullable]::GetUnderlyingType($type)
                [ordered]@{
                    Command        = $cmd.Name
                    Parameter      = $p.Name
                    Type           = if ($inner) { $inner.Name } else { $type.Name }
                    Required       = (@($sets | Where-Object { -not $_.IsMandatory }).Count -eq 0).ToString().ToLowerInvariant()
                    Position       = @(@($sets | Where-Object Position -GE 0 | ForEach-Object { "$($_.Position)" }) + 'named')[0]
                    ByValue        = [bool]($sets | Where-Object ValueFromPipeline)
                    ByPropertyName = [bool]($sets | Where-Object ValueFromPipelineByPropertyName)
                    Aliases        = if ($p.Aliases.Count) { $p.Aliases -join ', ' } else { 'none' }
                    Wildcards      = ([bool]($p.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] })).ToString().ToLowerInvariant()
                    CodeDefault    = $codeDefault
                    Documented     = $null -ne $doc
                    Description    = if ($doc) { (@($doc.description | ForEach-Object Text) -join "`n").Trim() } else { '' }
                    HelpDefault    = if ($doc) { "$($doc.defaultValue)" } else { '' }
                    HelpType       = if ($doc) { "$($doc.type.name)" } else { '' }
                    HelpRequired   = if ($doc) { "$($doc.required)" } else { '' }
                    HelpPosition   = if ($doc) { "$($doc.position)" } else { '' }
                    HelpPipeline   = if ($doc) { "$($doc.pipelineInput)" } else { '' }
                    HelpAliases    = if ($doc) { "$($doc.aliases)" } else { '' }
                    HelpWildcards  = if ($doc) { "$($doc.globbing)" } else { '' }
                }
            }
            [ordered]@{
                Name         = $cmd.Name
                FullText     = $help | Out-String -Width 4000
                Synopsis     = "$($help.Synopsis)".Trim()
                Description  = (@($help.description | ForEach-Object Text) -join "`n").Trim()
                Inputs       = @($help.inputTypes.inputType | ForEach-Object { "$($_.type.name)".Trim() } | Where-Object { $_ })
                Outputs      = @($help.returnValues.returnValue | ForEach-Object { "$($_.type.name)".Trim() } | Where-Object { $_ })
                OutputTypes  = @($cmd.OutputType | ForEach-Object Name)
                TakesPipeline = [bool]($cmd.Parameters.Values | ForEach-Object { $_.ParameterSets.Values } | Where-Object { $_.ValueFromPipeline -or $_.ValueFromPipelineByPropertyName })
                Examples     = @($help.examples.example | ForEach-Object { [ordered]@{ Title = "$($_.title)"; Code = "$($_.code)"; Remarks = (@($_.remarks | ForEach-Object Text) -join ' ').Trim() } })
                SyntaxCount  = @($help.syntax.syntaxItem).Count
                SetCount     = @($cmd.ParameterSets).Count
                Parameters   = @($parameters)
            }
        }
        'HELP-DATA:' + (ConvertTo-Json -InputObject @($commands) -Depth 6 -Compress)
    }
    $out = Invoke-FreshPwsh "& { $collect } '$ModulePath'"
    $line = @($out) -match '^HELP-DATA:' | Select-Object -First 1
    if (-not $line) { throw "Could not read the help of the built module in a fresh pwsh: $($out -join "`n")" }
    $script:Commands = @($line.Substring('HELP-DATA:'.Length) | ConvertFrom-Json -AsHashtable)
    $script:AllParameters = @($Commands | ForEach-Object { $_.Parameters })
}

Describe 'Get-Help <cmdlet> -Full' {
    It 'shows a written synopsis and description for every cmdlet, not the generated syntax-only help' {
        $missing = foreach ($c in $Commands) {
            if ($c.Synopsis.Length -le 20 -or $c.Synopsis -match "^$($c.Name)\s*\[") { "$($c.Name): synopsis" }
            if ($c.Description.Length -le 100) { "$($c.Name): description" }
            foreach ($heading in 'SYNOPSIS', 'DESCRIPTION', 'PARAMETERS', 'INPUTS', 'OUTPUTS') {
                if ($c.FullText -notmatch "(?m)^$heading\s*$") { "$($c.Name): no $heading section" }
            }
        }
        $missing | Should -BeNullOrEmpty
    }

    It 'shows every parameter with a description and a default value that matches the code''s' {
        $missing = foreach ($p in $AllParameters) {
            $name = "$($p.Command) -$($p.Parameter)"
            if (-not $p.Documented) { "${name}: not in Get-Help"; continue }
            if ($p.Description.Length -le 15) { "${name}: description" }
            if (-not $p.HelpDefault) { "${name}: default value" }
            elseif ($p.CodeDefault -and $p.HelpDefault -notlike "*$($p.CodeDefault)*") { "${name}: default '$($p.HelpDefault)', code '$($p.CodeDefault)'" }
        }
        $missing | Should -BeNullOrEmpty
    }

    It 'shows for every parameter the type, position, pipeline input, aliases and wildcards the cmdlet has' {
        $wrong = foreach ($p in $AllParameters | Where-Object Documented) {
            $pipeline = if ($p.ByValue -and $p.ByPropertyName) { 'True (ByValue, ByPropertyName)' } elseif ($p.ByValue) { 'True (ByValue)' }
            elseif ($p.ByPropertyName) { 'True (ByPropertyName)' } else { 'False' }
            $pairs = @{ Type = $p.HelpType, $p.Type; Required = $p.HelpRequired, $p.Required; Position = $p.HelpPosition, $p.Position
                Pipeline = $p.HelpPipeline, $pipeline; Aliases = $p.HelpAliases, $p.Aliases; Wildcards = $p.HelpWildcards, $p.Wildcards }
            foreach ($k in $pairs.Keys) {
                if ($pairs[$k][0] -ne $pairs[$k][1]) { "$($p.Command) -$($p.Parameter): $k is '$($pairs[$k][0])', the cmdlet has '$($pairs[$k][1])'" }
            }
        }
        $wrong | Should -BeNullOrEmpty
    }

    It 'documents every cmdlet''s inputs, and its outputs as the types it declares with [OutputType]' {
        $wrong = foreach ($c in $Commands) {
            if (-not $c.Inputs) { "$($c.Name): no inputs" }
            if ($c.TakesPipeline -and $c.Inputs -contains 'None') { "$($c.Name): takes pipeline input but says None" }
            foreach ($type in $c.OutputTypes) { if ($c.Outputs -notcontains $type) { "$($c.Name): output $type" } }
            if (-not $c.Outputs) { "$($c.Name): no outputs" }
        }
        $wrong | Should -BeNullOrEmpty
    }

    It 'has at least three examples per cmdlet, each with code that uses it and an explanation' {
        $wrong = foreach ($c in $Commands) {
            if ($c.Examples.Count -lt 3) { "$($c.Name): $($c.Examples.Count) example(s)" }
            foreach ($e in $c.Examples) {
                if ($e.Title -notmatch 'Example \d+: \w' -or -not $e.Code -or $e.Remarks.Length -le 40) { "$($c.Name): '$($e.Title)'" }
            }
            if (($c.Examples.Code -join "`n") -notmatch [regex]::Escape($c.Name)) { "$($c.Name): no example uses it" }
        }
        $wrong | Should -BeNullOrEmpty
    }

    It 'shows one syntax per parameter set' {
        $wrong = foreach ($c in $Commands) { if ($c.SyntaxCount -ne $c.SetCount) { "$($c.Name): $($c.SyntaxCount) syntaxes, $($c.SetCount) sets" } }
        $wrong | Should -BeNullOrEmpty
    }
}

Describe 'about_OneMinBg' {
    It 'Get-Help about_OneMinBg shows the topic in a fresh pwsh' {
        $text = Invoke-FreshPwsh "Import-Module '$ModulePath'; Get-Help about_OneMinBg | Out-String -Width 200"
        $LASTEXITCODE | Should -Be 0
        $text = $text -join "`n"
        $text | Should -Match '(?m)^TOPIC\s*\n\s+about_OneMinBg'
        foreach ($section in 'SHORT DESCRIPTION', 'LONG DESCRIPTION', 'THE JOURNAL AND RE-RUNS', 'RATE LIMIT', 'RETRIES AND UNKNOWN OUTCOMES', 'ERRORS', 'CONFIGURATION', 'SCHEDULED TASKS', 'THE EMULATOR') {
            $text | Should -Match "(?m)^$([regex]::Escape($section))\s*$"
        }
        $text | Should -Match 'Register-ScheduledTask'
        $text | Should -Match 'OnCalendar='
    }
}

Describe 'The help file' {
    It 'is well-formed MAML with one command per exported cmdlet, next to OneMinBg.dll in en-US' {
        $path = Join-Path $ModulePath 'en-US/OneMinBg.dll-Help.xml'
        $xml = [xml]::new()
        $xml.Load($path)
        $xml.DocumentElement.LocalName | Should -Be 'helpItems'
        $xml.DocumentElement.GetAttribute('schema') | Should -Be 'maml'
        $ns = [System.Xml.XmlNamespaceManager]::new($xml.NameTable)
        $ns.AddNamespace('command', 'http://schemas.microsoft.com/maml/dev/command/2004/10')
        $names = @($xml.SelectNodes('//command:command/command:details/command:name', $ns) | ForEach-Object InnerText)
        $exported = (Import-PowerShellDataFile (Join-Path $ModulePath 'OneMinBg.psd1')).CmdletsToExport
        ($names | Sort-Object) | Should -Be ($exported | Sort-Object)
    }
}

Describe 'The build checks the docs' {
    BeforeAll {
        # The build's help step, on copies of the built module and of the docs so the real ones stay
        # untouched. It reads the module's cmdlets in a fresh pwsh of its own.
        . (Join-Path $RepoRoot 'tools/Help.ps1')
        $script:Work = Join-Path $TestDrive 'helpbuild'
        $null = New-Item -ItemType Directory -Path $Work
        Copy-Item -LiteralPath $ModulePath -Destination (Join-Path $Work 'OneMinBg') -Recurse
        $script:Docs = Join-Path $Work 'en-US'
        Copy-Item -LiteralPath (Join-Path $RepoRoot 'docs/en-US') -Destination $Docs -Recurse
        $script:HelpBuild = { Build-ModuleHelp -ModuleFolder (Join-Path $Work 'OneMinBg') -DocsFolder $Docs 3>$null 6>$null }
    }

    It 'fails, naming the parameter and what to add, when a parameter has no section' {
        $page = Join-Path $Docs 'Save-BgImage.md'
        $original = Get-Content -LiteralPath $page -Raw
        try {
            Set-Content -LiteralPath $page -Value ($original -replace '(?s)### -Force\r?\n.*?(?=### )', '') -NoNewline
            $HelpBuild | Should -Throw -ExpectedMessage "*Save-BgImage.md: parameter -Force is not documented: add '### -Force' under '## PARAMETERS'*"
        }
        finally { Set-Content -LiteralPath $page -Value $original -NoNewline }
    }

    It 'fails, naming the file to add, when a cmdlet has no page' {
        $page = Join-Path $Docs 'Get-BgResult.md'
        Move-Item -LiteralPath $page -Destination "$page.off"
        try {
            $HelpBuild | Should -Throw -ExpectedMessage "*Get-BgResult has no help page: add *Get-BgResult.md*"
        }
        finally { Move-Item -LiteralPath "$page.off" -Destination $page }
    }

    It 'fails, naming the section to add, when a page lacks one' {
        $page = Join-Path $Docs 'Test-OneMinBgConnection.md'
        $original = Get-Content -LiteralPath $page -Raw
        try {
            Set-Content -LiteralPath $page -Value ($original -replace '(?s)## SYNOPSIS\r?\n.*?(?=## )', '') -NoNewline
            $HelpBuild | Should -Throw -ExpectedMessage "*Test-OneMinBgConnection.md: '## SYNOPSIS' is missing or empty.*"
        }
        finally { Set-Content -LiteralPath $page -Value $original -NoNewline }
    }
}
