from script2rp.commands import main

# Guarded: vLLM starts its engine process with `spawn`, which imports this module again.
if __name__ == "__main__":
    raise SystemExit(main())
