"""The conversation, platform-neutral: ``Incoming`` in, ``Reply`` values out; no platform I/O.

Built once per process at the composition root (``bot/``)::

    stylist = await Stylist.open(settings)  # also migrates the database, ``dialog_state`` included
    ctx = DialogContext(
        stylist=stylist,
        understander=Understander(SentenceEncoder.load()),  # dialog.nlu, MiniLM loaded once
        states=SqlStateStore.open(settings.resolved_database_url),
        settings=settings,
        samples=Path("samples/wardrobe"),  # or None: onboarding then offers no sample wardrobe
    )
    conversation = Conversation(ctx)  # checks that every intent, button kind and waiting state has one handler
    replies = await conversation.handle(incoming)
    push = await conversation.morning_look(key)  # for the scheduler

Modules: ``messages`` (the vocabulary), ``understanding`` + ``nlu`` (intent and slots), ``conversation`` (turns,
locks, errors), ``router`` (composition), one router per feature (``wardrobe``, ``corrections``, ``finding``,
``outfits``, ``shopping``, ``settings``, ``onboarding``, ``general``), ``state`` (stores), ``texts`` (wording).
"""
