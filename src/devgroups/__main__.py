from devgroups.cli import main

main()
