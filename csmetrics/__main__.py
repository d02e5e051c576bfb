from csmetrics.cli import main

main()
