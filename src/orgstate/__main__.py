from orgstate.cli import main

main()
