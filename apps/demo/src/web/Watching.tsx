import { useMembers } from '@likewire/react'
import { formatCount, nameHue, watchingLine } from './format'
import { useGuest } from './guest'
import { useGuestNames } from './useGuestNames'

/** How many other members are named in the line. */
const NAMED = 2

/**
 * "Priya, Marco and 1,240 others watching": the members of `topic` (Likewire's `useMembers`: guests
 * subscribed to it, a leave counted only after the presence grace), this viewer left out.
 */
export function Watching({ topic }: { topic: string }) {
  const members = useMembers(topic)
  const me = useGuest()
  const others = (members?.members ?? []).filter((member) => member.memberId !== me?.id)
  const shown = others.slice(0, NAMED).map((member) => member.memberId)
  const names = useGuestNames(shown)
  if (!members) return null

  // `count` is exact, the list may be cut short: we are in the count once our own join is in
  const listsMe = me !== null && others.length < members.members.length
  const meCounted = listsMe || (me !== null && members.members.length < members.count)
  const otherCount = Math.max(0, members.count - (meCounted ? 1 : 0))
  const named = shown.flatMap((id) => {
    const name = names.get(id)
    return name === undefined ? [] : [{ id, name }]
  })

  return (
    <p
      className="player-watching"
      data-testid="watching"
      data-count={members.count}
      title={`${formatCount(members.count)} ${members.count === 1 ? 'guest' : 'guests'} on this video`}
    >
      {named.length > 0 ? (
        <span className="watching-faces" aria-hidden="true">
          {named.map(({ id, name }) => (
            // the initial drawn by CSS: the line's text is the sentence alone
            <span
              key={id}
              className="face"
              data-initial={[...name][0]?.toUpperCase()}
              style={{ background: `hsl(${nameHue(name)} 55% 45%)` }}
            />
          ))}
        </span>
      ) : null}
      <span className="watching-text">
        {watchingLine(
          named.map(({ name }) => name),
          otherCount,
        )}
      </span>
    </p>
  )
}
